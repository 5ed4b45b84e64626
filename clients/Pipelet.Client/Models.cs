using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelet.Client;

/// <summary>
/// One page of any list; pass <see cref="NextCursor"/> as <c>cursor</c> for the next (null on the last page).
/// The cursor is opaque: send it back as it came.
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// A webhook as the API shows it; the secret value is write-only (<see cref="HasSecret"/> says whether one is set).
/// <see cref="DisabledReason"/> is <c>"failing"</c> when Pipelet disabled it because its deliveries kept failing, at
/// <see cref="DisabledAt"/>; both are null otherwise. <see cref="RateLimit"/>: the most deliveries per second it takes (null: no limit).
/// <see cref="Ordering"/>: <c>"station"</c> when each station's events reach it in the order the gateway answered them, else <c>"none"</c>.
/// </summary>
public sealed record Webhook(
    long Id,
    string Name,
    string Url,
    bool Enabled,
    IReadOnlyList<string> Events,
    IReadOnlyList<string>? Stations,
    string? SecretHeader,
    bool HasSecret,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? DisabledReason = null,
    DateTimeOffset? DisabledAt = null,
    int? RateLimit = null,
    string Ordering = "none");

/// <summary>Body of <c>POST /api/v1/webhooks</c>. <see cref="SecretHeader"/> and <see cref="SecretValue"/> go together.</summary>
public sealed record CreateWebhook(
    string Name,
    string Url,
    IReadOnlyList<string> Events,
    bool? Enabled = null,
    IReadOnlyList<string>? Stations = null,
    string? SecretHeader = null,
    string? SecretValue = null,
    int? RateLimit = null,
    string? Ordering = null)
{
    public override string ToString() => $"CreateWebhook {{ Name = {Name}, Url = {Url}, SecretHeader = {SecretHeader} }}";
}

/// <summary>
/// Body of <c>PUT /api/v1/webhooks/{id}</c>: null keeps a field's value; <c>Stations = []</c> removes the station
/// filter; <c>SecretHeader = ""</c> removes the secret header; <c>RateLimit = 0</c> removes the rate limit;
/// <c>Ordering</c> is <c>"none"</c> or <c>"station"</c>.
/// </summary>
public sealed record UpdateWebhook(
    string? Name = null,
    string? Url = null,
    bool? Enabled = null,
    IReadOnlyList<string>? Events = null,
    IReadOnlyList<string>? Stations = null,
    string? SecretHeader = null,
    string? SecretValue = null,
    int? RateLimit = null,
    string? Ordering = null)
{
    public override string ToString() => $"UpdateWebhook {{ Name = {Name}, Url = {Url}, Enabled = {Enabled}, SecretHeader = {SecretHeader} }}";
}

/// <summary>The outcome of <c>POST /api/v1/webhooks/{id}/test</c>.</summary>
public sealed record WebhookTestResult(bool Ok, int? StatusCode, long DurationMs, string? Error);

/// <summary>
/// One of the events a webhook can subscribe to. <see cref="Kind"/> is <c>"station"</c> (what <c>"*"</c> subscribes to)
/// or <c>"operational"</c> (about Pipelet itself, subscribed only by name).
/// </summary>
public sealed record EventInfo(string Name, string Direction, string Description, string Kind = "station");

/// <summary>The key that verifies a webhook's <c>webhook-signature</c> header (<c>whsec_...</c>).</summary>
public sealed record SigningSecret([property: JsonPropertyName("signing_secret")] string Value)
{
    public override string ToString() => "SigningSecret { *** }";
}

/// <summary>Body of <c>POST /api/v1/api-keys</c>; without scopes a key gets every scope but <c>api-keys:manage</c>.</summary>
public sealed record CreateApiKey(string Name, IReadOnlyList<string>? Scopes = null);

/// <summary>A new API key: the only time <see cref="Key"/> is shown.</summary>
public sealed record CreatedApiKey(long Id, string Name, string Key, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt)
{
    public override string ToString() => $"CreatedApiKey {{ Id = {Id}, Name = {Name}, Prefix = {Prefix} }}";
}

/// <summary>An API key as lists show it (never the key).</summary>
public sealed record ApiKey(long Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>A connected charging station.</summary>
public sealed record Station(string StationId, DateTimeOffset ConnectedSince, DateTimeOffset LastMessageAt, string InstanceId);

/// <summary>The station's CALLRESULT payload to a command, as it sent it.</summary>
public sealed record CommandResult(string StationId, string Action, JsonElement Response);

/// <summary>A delivery as the log lists it.</summary>
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

/// <summary>
/// How a webhook's deliveries went, by their status now: <see cref="Totals"/> since <see cref="Since"/> (24 h before
/// the reading) with the newest delivery that has an error, and <see cref="PerMinute"/> over the last hour, oldest first.
/// </summary>
public sealed record DeliveryStats(long WebhookId, DateTimeOffset Since, DeliveryCounts Totals, DeliverySummary? LastError, IReadOnlyList<MinuteCounts> PerMinute);

/// <summary>Deliveries by their status now; <see cref="Paused"/>: kept without a try while their webhook is paused.</summary>
public sealed record DeliveryCounts(int Succeeded, int Retrying, int Failed, int Cancelled, int Paused = 0)
{
    public int Total => Succeeded + Retrying + Paused + Failed + Cancelled;

    /// <summary>Succeeded out of those settled either way (retrying, paused and cancelled ones are neither); null with none settled.</summary>
    public double? SuccessRate => Succeeded + Failed == 0 ? null : (double)Succeeded / (Succeeded + Failed);
}

/// <summary>Deliveries made in one minute, by their status now.</summary>
public sealed record MinuteCounts(DateTimeOffset Minute, int Succeeded, int Retrying, int Failed, int Cancelled, int Paused = 0)
{
    public int Total => Succeeded + Retrying + Paused + Failed + Cancelled;
}

/// <summary>
/// Whether a webhook is paused (its recent tries all failed, so its deliveries are kept without a try): since
/// <see cref="PausedSince"/>, the next probe try at <see cref="NextProbeAt"/>, <see cref="KeptDeliveries"/> kept
/// meanwhile and the last error; all but the id and counts are null while it is not paused. <see cref="OrderedWaiting"/>:
/// for a webhook with <c>ordering: "station"</c>, the deliveries in its station lanes not yet over.
/// </summary>
public sealed record WebhookHealth(long WebhookId, bool Paused, DateTimeOffset? PausedSince, DateTimeOffset? NextProbeAt, long KeptDeliveries, string? LastError,
    long OrderedWaiting = 0);

/// <summary>One delivery with every attempt.</summary>
public sealed record Delivery(
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
    IReadOnlyList<DeliveryAttempt> Attempts);

/// <summary>One HTTP attempt of a delivery.</summary>
public sealed record DeliveryAttempt(
    int Attempt,
    DateTimeOffset AttemptedAt,
    double DurationMs,
    int? StatusCode,
    string? ErrorKind,
    string? Error,
    string? ResponseBody,
    DateTimeOffset? RetryAfter = null);

/// <summary>A delivery that used up its retries: the event, the webhook as it was (no secret), and every attempt.</summary>
public sealed record FailedDelivery(
    Guid DeliveryId,
    long WebhookId,
    Guid EventId,
    JsonElement Event,
    JsonElement Webhook,
    JsonElement Attempts,
    DateTimeOffset FailedAt,
    DateTimeOffset? RetriedAt,
    Guid? RetryDeliveryId);

/// <summary>A failed delivery put on a fresh retry ladder.</summary>
public sealed record ReplayStarted(Guid DeliveryId, Guid ReplayOf);

/// <summary>Body of <c>POST /api/v1/webhooks/{id}/recover</c>.</summary>
public sealed record RecoverRequest(DateTimeOffset Since);

/// <summary>The failed deliveries a recover put back on the ladder.</summary>
public sealed record RecoverStarted(long WebhookId, DateTimeOffset Since, int Recovered, IReadOnlyList<ReplayStarted> Deliveries);
