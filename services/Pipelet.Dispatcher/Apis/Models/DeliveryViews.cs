using System.Text.Json;

namespace Pipelet.Dispatcher.Apis.Models;

/// <summary>A delivery as the log API lists it (snake_case on the wire).</summary>
public sealed record DeliverySummary(
    Guid DeliveryId,
    long WebhookId,
    Guid EventId,
    string Event,
    string StationId,
    string Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? NextAttemptAt,
    int? LastStatusCode,
    string? LastError,
    Guid? ReplayOf);

/// <summary>One delivery with every attempt.</summary>
public sealed record DeliveryDetail(
    Guid DeliveryId,
    long WebhookId,
    Guid EventId,
    string Event,
    string StationId,
    string Status,
    int AttemptCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? NextAttemptAt,
    Guid? ReplayOf,
    IReadOnlyList<AttemptView> Attempts)
{
    public static DeliveryDetail From(DeliverySummary s, IReadOnlyList<AttemptView> attempts) =>
        new(s.DeliveryId, s.WebhookId, s.EventId, s.Event, s.StationId, s.Status, s.Attempts, s.CreatedAt, s.UpdatedAt, s.NextAttemptAt, s.ReplayOf, attempts);
}

public sealed record AttemptView(
    int Attempt,
    DateTimeOffset AttemptedAt,
    double DurationMs,
    int? StatusCode,
    string? ErrorKind,
    string? Error,
    string? ResponseBody);

/// <summary>A dead letter: the event, the webhook (no secret) and every attempt.</summary>
public sealed record FailedDeliveryView(
    Guid DeliveryId,
    long WebhookId,
    Guid EventId,
    JsonElement Event,
    JsonElement Webhook,
    JsonElement Attempts,
    DateTimeOffset FailedAt,
    DateTimeOffset? RetriedAt,
    Guid? RetryDeliveryId);

/// <summary>A page of results; pass <c>next_before</c> as <c>before</c> for the next page (null at the end).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, Guid? NextBefore);

public sealed record ReplayStarted(Guid DeliveryId, Guid ReplayOf);

public sealed record RecoverRequest(DateTimeOffset? Since);

public sealed record RecoverStarted(long WebhookId, DateTimeOffset Since, int Recovered, IReadOnlyList<ReplayStarted> Deliveries);
