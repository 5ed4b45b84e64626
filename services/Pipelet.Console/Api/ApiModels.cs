using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelet.Console.Api;

// The public REST API's contracts as the console reads them (snake_case on the wire).

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
    DateTimeOffset UpdatedAt);

/// <summary>The body of a create (every field) or a change (null fields keep their value).</summary>
public sealed record WebhookInput(
    string? Name,
    string? Url,
    bool? Enabled,
    IReadOnlyList<string>? Events,
    IReadOnlyList<string>? Stations,
    string? SecretHeader,
    string? SecretValue)
{
    public override string ToString() => $"WebhookInput {{ Name = {Name}, Url = {Url} }}"; // never the secret
}

public sealed record WebhookTestResult(bool Ok, int? StatusCode, long DurationMs, string? Error);

public sealed record EventInfo(string Name, string Direction, string Description);

public sealed record Station(string StationId, DateTimeOffset ConnectedSince, DateTimeOffset? LastMessageAt, string? InstanceId);

public sealed record WebhookPage(IReadOnlyList<Webhook> Items, long? NextAfter);

public sealed record StationPage(IReadOnlyList<Station> Items, string? NextAfter);

/// <summary>The delivery statuses of the log.</summary>
public static class DeliveryStatus
{
    public const string Succeeded = "succeeded";
    public const string Retrying = "retrying";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Succeeded, Retrying, Failed, Cancelled];
}

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

public sealed record DeliveryPage(IReadOnlyList<DeliverySummary> Items, Guid? NextBefore);

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
    IReadOnlyList<Attempt> Attempts);

public sealed record Attempt(
    [property: JsonPropertyName("attempt")] int Number,
    DateTimeOffset AttemptedAt,
    double DurationMs,
    int? StatusCode,
    string? ErrorKind,
    string? Error,
    string? ResponseBody);

/// <summary>A dead letter: the event as published (the request body's source) and whether it was retried.</summary>
public sealed record FailedDelivery(
    Guid DeliveryId,
    long WebhookId,
    Guid EventId,
    JsonElement Event,
    DateTimeOffset FailedAt,
    DateTimeOffset? RetriedAt,
    Guid? RetryDeliveryId);

public sealed record ReplayStarted(Guid DeliveryId, Guid ReplayOf);

public sealed record RecoverStarted(long WebhookId, DateTimeOffset Since, int Recovered);
