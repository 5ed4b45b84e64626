// Run: Pipelet__SigningSecret=whsec_... dotnet run --project samples/Pipelet.Samples.Receiver --urls http://0.0.0.0:5080
// then point a webhook at http://<this host>:5080/webhooks/pipelet (GET /api/v1/webhooks/{id}/signing-secret gives the secret).
using Pipelet.Client;

var app = WebApplication.Create(args);
app.MapPipeletWebhook("/webhooks/pipelet", app.Configuration["Pipelet:SigningSecret"] ?? throw new InvalidOperationException("Set Pipelet__SigningSecret to the webhook's whsec_ secret."),
    webhook => Console.WriteLine($"{webhook.Timestamp:O} {webhook.Event} from {webhook.StationId} (message {webhook.Id}, attempt {webhook.Attempt}): {webhook.Payload}"));
app.Run();
