using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.Subscriptions.Http;
using Pipelet.Subscriptions.OpenApi;
using Pipelet.Subscriptions.Webhooks;

namespace Pipelet.Subscriptions.Apis;

/// <summary>
/// <c>/api/v1/webhooks/{id}/signing-secret</c>: the key a receiver verifies our Standard Webhooks signatures
/// with, and its rotation. A credential, so reading it needs <c>webhooks:write</c>.
/// </summary>
internal static class SigningSecretsApi
{
    public static RouteGroupBuilder MapSigningSecretsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/webhooks/{id:long}/signing-secret").WithTags("Webhooks")
            .RequireAuthorization(ApiScopes.WebhooksWrite);

        api.MapGet("", GetSigningSecret)
            .WithSummary("The webhook's signing secret (whsec_...), to verify the webhook-signature header of every request")
            .WithResponseExample(ApiExamples.SigningSecret);

        api.MapPost("/rotate", RotateSigningSecret)
            .WithSummary("Replace the signing secret; requests carry signatures with both the new and the old secret for Delivery__SigningSecretOverlap (24 h by default)")
            .WithResponseExample(ApiExamples.SigningSecret);

        return api;
    }

    private static async Task<Results<Ok<SigningSecretResponse>, ProblemHttpResult>> GetSigningSecret(
        long id, WebhookStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { Signing: { } signing }
            ? TypedResults.Ok(new SigningSecretResponse(signing.Current))
            : ApiProblems.NotFound("Webhook", id);

    private static async Task<Results<Ok<SigningSecretResponse>, ProblemHttpResult>> RotateSigningSecret(
        long id, WebhookStore store, CancellationToken cancellationToken) =>
        await store.RotateSigningSecretAsync(id, cancellationToken) is { Signing: { } signing }
            ? TypedResults.Ok(new SigningSecretResponse(signing.Current))
            : ApiProblems.NotFound("Webhook", id);
}
