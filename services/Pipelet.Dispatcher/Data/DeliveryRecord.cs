namespace Pipelet.Dispatcher.Data;

/// <summary>
/// What one step of a delivery writes to the log, in one transaction: the delivery's new state, the
/// attempt just made (none when cancelled or held), the dead letter when the ladder is exhausted, and the kept
/// delivery when its webhook is paused.
/// </summary>
/// <param name="Kept">The delivery was kept while its webhook was paused, so its row exists already.</param>
public sealed record DeliveryRecord(
    Guid DeliveryId,
    long WebhookId,
    Guid EventId,
    string Event,
    string StationId,
    DateTimeOffset CreatedAt,
    string Status,
    int Attempts,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? NextAttemptAt,
    Guid? ReplayOf,
    AttemptRecord? Attempt,
    DeadLetterRecord? DeadLetter,
    HoldRecord? Hold = null,
    bool Kept = false);

public sealed record AttemptRecord(
    int Attempt,
    DateTimeOffset AttemptedAt,
    double DurationMs,
    int? StatusCode,
    string? ErrorKind,
    string? Error,
    string? ResponseBody,
    DateTimeOffset? RetryAfter = null);

/// <param name="EventJson">The bus event as JSON.</param>
/// <param name="WebhookJson">The webhook as JSON, without its secret value.</param>
public sealed record DeadLetterRecord(string EventJson, string WebhookJson);

/// <param name="DeliveryJson">The <c>WebhookDelivery</c> message as JSON, to be sent when the webhook resumes.</param>
/// <param name="ExpiresAt">When the retry ladder would have ended: dead-lettered then if still held.</param>
public sealed record HoldRecord(string DeliveryJson, DateTimeOffset ExpiresAt);
