using Microsoft.Extensions.Options;
using Pipelet.Contracts.Subscriptions;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.InternalApi;
using Pipelet.Subscriptions.ApiKeys;
using Pipelet.Subscriptions.Extensions;
using Pipelet.Subscriptions.Webhooks;

namespace Pipelet.Subscriptions.Apis;

/// <summary>
/// <c>/internal/v1</c>, for the other services only: the key check (gateway and dispatcher) and the
/// dispatcher's full read of webhooks (with decrypted secrets, so for the dispatcher alone). Served only on
/// <c>Api__InternalPort</c> (see <see cref="UseInternalPortGuard"/>), and only to a caller presenting its
/// <c>InternalApi</c> key.
/// </summary>
internal static class InternalApi
{
    public const string Prefix = "/internal";

    public static RouteGroupBuilder MapInternalApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/internal/v1").ExcludeFromDescription();
        api.MapPost("/api-keys/verify", VerifyApiKey).RequireInternalCaller(InternalCallers.Gateway, InternalCallers.Dispatcher);
        api.MapGet("/webhooks", ListWebhookSubscriptions).RequireInternalCaller(InternalCallers.Dispatcher);
        api.MapPost("/webhooks/{id:positive-id}/disable-failing", DisableFailingWebhook).RequireInternalCaller(InternalCallers.Dispatcher);
        return api;
    }

    /// <summary>
    /// Answers 404 to <c>/internal/*</c> unless the request arrived on the internal port. This checks the
    /// socket's local port, not the Host header (which a caller can set to anything, so RequireHost alone
    /// would not keep the public port out).
    /// </summary>
    public static IApplicationBuilder UseInternalPortGuard(this IApplicationBuilder app)
    {
        var internalPort = app.ApplicationServices.GetRequiredService<IOptions<ApiOptions>>().Value.InternalPort!.Value;
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(Prefix) && context.Connection.LocalPort != internalPort)
            {
                await TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found").ExecuteAsync(context);
                return;
            }

            await next(context);
        });
    }

    private static async Task<Results<Ok<ApiKeyIdentity>, NotFound>> VerifyApiKey(
        VerifyApiKeyRequest request, LocalApiKeyVerifier verifier, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Key)) return TypedResults.NotFound();
        // Uncached: the calling services cache for up to 4 s, and revocation must reach them within 5 s.
        var identity = await verifier.VerifyUncachedAsync(ApiKeyFormat.Hash(request.Key), cancellationToken);
        return identity is null ? TypedResults.NotFound() : TypedResults.Ok(identity);
    }

    /// <summary>The dispatcher found the webhook failing for long enough: disable it, and tell its owner (once, whoever asks).</summary>
    private static async Task<Results<Ok<DisableFailingWebhookResult>, NotFound>> DisableFailingWebhook(
        long id, DisableFailingWebhookRequest request, WebhookStore store, CancellationToken cancellationToken) =>
        await store.DisableFailingAsync(id, request, cancellationToken) is { } disabled
            ? TypedResults.Ok(new DisableFailingWebhookResult(disabled))
            : TypedResults.NotFound();

    private static async Task<Ok<WebhookSubscription[]>> ListWebhookSubscriptions(WebhookStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ListAllAsync(cancellationToken)).Select(w => w.ToSubscription()).ToArray());
}
