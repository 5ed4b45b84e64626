using System.Text.Json;

namespace Pipelet.Dispatcher.Data;

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

/// <param name="RetryAfter">When the receiver's 429 or 503 asked (Retry-After) not to be tried again before; null when it did not.</param>
public sealed record AttemptView(
    int Attempt,
    DateTimeOffset AttemptedAt,
    double DurationMs,
    int? StatusCode,
    string? ErrorKind,
    string? Error,
    string? ResponseBody,
    DateTimeOffset? RetryAfter);

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
