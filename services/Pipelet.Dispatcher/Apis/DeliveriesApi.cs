using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Apis.Models;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Delivery;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.Http;
using Pipelet.ServiceDefaults.OpenApi;
using Pipelet.ServiceDefaults.Problems;

namespace Pipelet.Dispatcher.Apis;

/// <summary>
/// The delivery log under <c>/api/v1</c>. Reading needs <c>deliveries:read</c>. Replaying dead letters
/// (retry, recover) sends real requests to a subscriber, so it needs <c>webhooks:write</c>: a key
/// that may only read the log must not be able to cause traffic.
/// </summary>
public static class DeliveriesApi
{
    /// <summary>50 deliveries a page unless the request says otherwise, 500 at most.</summary>
    private static readonly PageLimits PageLimits = new(50, 500);

    /// <summary>OCPP 1.6 charge point identities are at most 48 characters (the gateway refuses longer ones).</summary>
    private const int MaxStationIdLength = 48;

    public static IEndpointRouteBuilder MapDeliveriesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Deliveries");

        var read = api.MapGroup("").RequireAuthorization(ApiScopes.DeliveriesRead);
        read.MapGet("/webhooks/{id:positive-id}/deliveries", ListDeliveries)
            .WithSummary("A webhook's deliveries, newest first; filter with ?status=succeeded|retrying|paused|failed|cancelled, ?event={event name} and ?station_id=, all on the server; ?limit= 1-500 (default 50), next page with ?cursor={next_cursor}")
            .WithPaging(PageLimits, "before")
            .WithResponseExample(DeliveriesApiExamples.DeliveryPage);
        read.MapGet("/webhooks/{id:positive-id}/deliveries/stats", GetDeliveryStats)
            .WithSummary("How a webhook's deliveries went, by their status now: totals over the last 24 h with the newest delivery that has an error, and per minute over the last hour (oldest first, the current minute last)")
            .WithResponseExample(DeliveriesApiExamples.DeliveryStats);
        read.MapGet("/deliveries/{id:uuid}", GetDelivery)
            .WithSummary("One delivery with every attempt")
            .WithResponseExample(DeliveriesApiExamples.DeliveryDetail);
        read.MapGet("/failed-deliveries", ListFailedDeliveries)
            .WithSummary("Dead-lettered deliveries (every attempt of the retry ladder failed), newest first; ?webhook_id= filters; ?limit= 1-500 (default 50), next page with ?cursor={next_cursor}")
            .WithPaging(PageLimits, "before")
            .WithResponseExample(DeliveriesApiExamples.FailedPage);
        read.MapGet("/failed-deliveries/{id:uuid}", GetFailedDelivery)
            .WithSummary("One dead letter: the event, the webhook (no secret) and every attempt")
            .WithResponseExample(DeliveriesApiExamples.Failed);

        var replay = api.MapGroup("").RequireAuthorization(ApiScopes.WebhooksWrite);
        replay.MapPost("/failed-deliveries/{id:uuid}/retry", RetryFailedDelivery)
            .WithSummary("Retry a dead-lettered delivery with a fresh retry ladder (409 problem if already retried)")
            .WithResponseExample(DeliveriesApiExamples.ReplayStarted, StatusCodes.Status202Accepted);
        replay.MapPost("/webhooks/{id:positive-id}/recover", Recover)
            .WithSummary("Replay everything dead-lettered for this webhook since a time (body or ?since=)")
            .WithRequestExample(DeliveriesApiExamples.Recover)
            .WithResponseExample(DeliveriesApiExamples.RecoverStarted, StatusCodes.Status202Accepted);
        return app;
    }

    public static async Task<Results<Ok<Page<DeliverySummary>>, ValidationProblem>> ListDeliveries(
        [FromRoute(Name = "id")] long webhookId, [FromQuery] string? status, [FromQuery(Name = "event")] string? eventName,
        [FromQuery(Name = "station_id")] string? stationId, [FromQuery] string? limit, [FromQuery] string? cursor, [FromQuery] string? before,
        DeliveryLogReader log, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (status is not null && !DeliveryStatus.All.Contains(status))
        {
            errors["status"] = [$"Use one of: {string.Join(", ", DeliveryStatus.All)}."];
        }

        if (eventName is not null && !EventCatalogue.IsKnown(eventName))
        {
            errors["event"] = ["Must be one of the events of GET /api/v1/webhooks/events, e.g. StartTransaction."];
        }

        if (stationId is not null && stationId.Length is 0 or > MaxStationIdLength)
        {
            errors["station_id"] = [$"Must be a station id of 1 to {MaxStationIdLength} characters."];
        }

        var query = PageQuery.Read(cursor, before, nameof(before), limit, PageLimits, errors);
        var idBefore = DeliveryBefore(query, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var items = await log.ListDeliveriesAsync(webhookId, new DeliveryFilter(status, eventName, stationId), idBefore, query.Limit + 1, cancellationToken);
        return TypedResults.Ok(query.PageOf(items, delivery => DeliveryCursor(delivery.DeliveryId)));
    }

    public static async Task<Ok<DeliveryStats>> GetDeliveryStats(
        [FromRoute(Name = "id")] long webhookId, DeliveryLogReader log, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok(await log.GetStatsAsync(webhookId, time.GetUtcNow(), cancellationToken));

    public static async Task<Results<Ok<DeliveryDetail>, ProblemHttpResult>> GetDelivery(
        [FromRoute(Name = "id")] Guid deliveryId, DeliveryLogReader log, CancellationToken cancellationToken) =>
        await log.GetDeliveryAsync(deliveryId, cancellationToken) is { } delivery
            ? TypedResults.Ok(delivery)
            : NotFound($"No delivery {deliveryId}.");

    public static async Task<Results<Ok<Page<FailedDeliveryView>>, ValidationProblem>> ListFailedDeliveries(
        [FromQuery(Name = "webhook_id")] string? webhookId, [FromQuery] string? limit, [FromQuery] string? cursor, [FromQuery] string? before,
        DeliveryLogReader log, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        long? webhook = null;
        if (webhookId is not null)
        {
            if (PositiveIdRouteConstraint.IsPositiveId(webhookId)) webhook = long.Parse(webhookId, CultureInfo.InvariantCulture);
            else errors["webhook_id"] = ["Must be a webhook id (a positive integer)."];
        }

        var query = PageQuery.Read(cursor, before, nameof(before), limit, PageLimits, errors);
        var idBefore = DeliveryBefore(query, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var items = await log.ListFailedAsync(webhook, idBefore, query.Limit + 1, cancellationToken);
        return TypedResults.Ok(query.PageOf(items, failed => DeliveryCursor(failed.DeliveryId)));
    }

    public static async Task<Results<Ok<FailedDeliveryView>, ProblemHttpResult>> GetFailedDelivery(
        [FromRoute(Name = "id")] Guid deliveryId, DeliveryLogReader log, CancellationToken cancellationToken) =>
        await log.GetFailedAsync(deliveryId, cancellationToken) is { } failed
            ? TypedResults.Ok(failed)
            : NotFound($"No failed delivery {deliveryId}.");

    public static async Task<Results<Accepted<ReplayStarted>, ProblemHttpResult>> RetryFailedDelivery(
        [FromRoute(Name = "id")] Guid deliveryId, DeadLetterReplay replay, CancellationToken cancellationToken)
    {
        var (outcome, started) = await replay.RetryAsync(deliveryId, cancellationToken);
        return outcome switch
        {
            DeadLetterReplay.Outcome.Started => TypedResults.Accepted($"/api/v1/deliveries/{started!.DeliveryId}", started),
            DeadLetterReplay.Outcome.NotFound => NotFound($"No failed delivery {deliveryId}."),
            DeadLetterReplay.Outcome.AlreadyReplayed => Conflict("Already retried", "This dead letter was already put on a fresh ladder; see retry_delivery_id."),
            _ => Conflict("Webhook unavailable", "The webhook was deleted or is disabled; enable it first."),
        };
    }

    public static async Task<Results<Accepted<RecoverStarted>, ValidationProblem, ProblemHttpResult>> Recover(
        [FromRoute(Name = "id")] long webhookId, [FromQuery] string? since, [FromBody] RecoverRequest? body, DeadLetterReplay replay, CancellationToken cancellationToken)
    {
        DateTimeOffset? from = body?.Since;
        if (from is null && since is not null &&
            DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            from = parsed;
        }

        if (from is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["since"] = ["Give the time to replay from, as an ISO 8601 timestamp (body {\"since\": ...} or ?since=)."],
            });
        }

        // The log's timestamps are UTC; any offset the caller wrote is the same instant.
        from = from.Value.ToUniversalTime();
        var (outcome, replays) = await replay.RecoverAsync(webhookId, from.Value, cancellationToken);
        return outcome == DeadLetterReplay.Outcome.Started
            ? TypedResults.Accepted($"/api/v1/webhooks/{webhookId}/deliveries", new RecoverStarted(webhookId, from.Value, replays.Count, replays))
            : Conflict("Webhook unavailable", $"Webhook {webhookId} does not exist or is disabled.");
    }

    /// <summary>The log is read newest first; the cursor is the id of the last (oldest) delivery of the previous page.</summary>
    private static Guid? DeliveryBefore(PageQuery query, Dictionary<string, string[]> errors)
    {
        if (query.Cursor is null) return null;
        if (Guid.TryParse(query.Cursor, out var id)) return id;
        query.RefuseCursor(errors);
        return null;
    }

    private static string DeliveryCursor(Guid deliveryId) => deliveryId.ToString("D");

    private static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: title);
}
