using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.Subscriptions.Apis;
using Pipelet.Subscriptions.Edge;
using Pipelet.Subscriptions.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseInternalPortGuard();
app.UseAuthentication();
app.UseApiKeyRateLimiting();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapWebhooksApi();
app.MapSigningSecretsApi();
app.MapApiKeysApi();
app.MapInternalApi();
app.MapEdgeForwarding();

app.Run();

public partial class Program;
