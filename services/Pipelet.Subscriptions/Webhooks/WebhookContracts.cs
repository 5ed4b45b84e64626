using System.Text.Json.Serialization;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>Body of <c>POST /api/v1/webhooks</c>. Everything is nullable so that a missing field gets a field error, not a 500.</summary>
public sealed record CreateWebhookRequest(
    string? Name,
    string? Url,
    bool? Enabled,
    IReadOnlyList<string>? Events,
    IReadOnlyList<string>? Stations,
    string? SecretHeader,
    Secret? SecretValue,
    int? RateLimit = null,
    string? Ordering = null);

/// <summary>
/// Body of <c>PUT /api/v1/webhooks/{id}</c>: a field left out (or null) keeps its value.
/// <c>"stations": []</c> removes the station filter; <c>"secret_header": ""</c> removes the secret; <c>"rate_limit": 0</c>
/// removes the rate limit; <c>"ordering"</c> is <c>"none"</c> or <c>"station"</c>.
/// </summary>
public sealed record UpdateWebhookRequest(
    string? Name,
    string? Url,
    bool? Enabled,
    IReadOnlyList<string>? Events,
    IReadOnlyList<string>? Stations,
    string? SecretHeader,
    Secret? SecretValue,
    int? RateLimit = null,
    string? Ordering = null);

/// <summary>A webhook as the API shows it. The secret value is write-only: only whether one is set.</summary>
/// <param name="DisabledReason">
/// <c>"failing"</c> when Pipelet disabled the webhook because its deliveries kept failing; null otherwise (enabled, or
/// disabled by its owner). Enabling it again clears it.
/// </param>
/// <param name="DisabledAt">When Pipelet disabled it (with <see cref="DisabledReason"/>); null otherwise.</param>
/// <param name="RateLimit">The most deliveries per second the webhook takes, over every dispatcher instance; null: no limit.</param>
/// <param name="Ordering">
/// <c>"station"</c>: one station's events reach the webhook in the order the gateway answered them, a failed try holding
/// back that station's later events; <c>"none"</c> (the default): deliveries go out in parallel, without an order.
/// </param>
public sealed record WebhookResponse(
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
    string? DisabledReason,
    DateTimeOffset? DisabledAt,
    int? RateLimit,
    string Ordering)
{
    internal static WebhookResponse From(Webhook webhook) => new(
        webhook.Id, webhook.Settings.Name, webhook.Settings.Url.OriginalString, webhook.Settings.Enabled, webhook.Settings.Events,
        webhook.Settings.Stations, webhook.Settings.SecretHeader?.Name, webhook.Settings.SecretHeader is not null,
        webhook.CreatedAt, webhook.UpdatedAt, webhook.DisabledReason, webhook.DisabledAt, webhook.Settings.RateLimit,
        webhook.Settings.Ordering);
}

/// <summary>The answer of <c>POST /api/v1/webhooks/{id}/test</c>.</summary>
public sealed record WebhookTestResult(
    bool Ok,
    int? StatusCode,
    long DurationMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

/// <summary>The answer of <c>GET /api/v1/webhooks/{id}/signing-secret</c> and of its rotation: the key that verifies our signatures.</summary>
public sealed record SigningSecretResponse(Secret SigningSecret);

/// <summary>One entry of <c>GET /api/v1/webhooks/events</c>.</summary>
/// <param name="Kind">
/// <c>"station"</c> for the 23 events stations cause (what <c>"*"</c> subscribes to); <c>"operational"</c> for events
/// about Pipelet itself (<c>WebhookDisabled</c>), which a webhook receives only by naming them.
/// </param>
public sealed record EventResponse(string Name, string Direction, string Description, string Kind);
