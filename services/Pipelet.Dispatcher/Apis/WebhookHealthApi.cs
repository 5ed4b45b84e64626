using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Pipelet.Dispatcher.Apis.Models;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.OpenApi;

namespace Pipelet.Dispatcher.Apis;

/// <summary>
/// <c>/api/v1/webhooks/{id}/health</c>: whether deliveries to a webhook are paused (circuit breaker) and since when, and how
/// many wait in its ordered lanes.
/// </summary>
public static class WebhookHealthApi
{
    private const string Example = """
        {"webhook_id":42,"paused":true,"paused_since":"2026-04-14T12:00:00+00:00","next_probe_at":"2026-04-14T12:05:10+00:00",
         "kept_deliveries":1520,"last_error":"Connection to my-app.example.com:443 was refused.","ordered_waiting":0}
        """;

    public static IEndpointRouteBuilder MapWebhookHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1").WithTags("Deliveries").RequireAuthorization(ApiScopes.DeliveriesRead)
            .MapGet("/webhooks/{id:positive-id}/health", GetHealth)
            .WithSummary("Whether deliveries to the webhook are paused because its recent tries all failed, since when, the next probe try and how many deliveries are kept meanwhile; for an ordered webhook, how many wait in its station lanes")
            .WithResponseExample(Example);
        return app;
    }

    public static async Task<Results<Ok<WebhookHealthView>, ProblemHttpResult>> GetHealth(
        [FromRoute(Name = "id")] long webhookId, WebhookDirectory directory, PausedWebhookStore pauses, OrderedLanes lanes,
        CancellationToken cancellationToken)
    {
        if (directory.Find(webhookId) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No webhook {webhookId}.");
        }

        var pause = await pauses.GetAsync(webhookId, cancellationToken);
        var kept = await pauses.CountHeldAsync(webhookId, cancellationToken);
        var waiting = await lanes.CountAsync(webhookId, cancellationToken);
        return TypedResults.Ok(new WebhookHealthView(webhookId, pause is not null, pause?.PausedSince, pause?.NextProbeAt, kept, pause?.LastError, waiting));
    }
}
