using Pipelet.Contracts.Subscriptions;
using Pipelet.Subscriptions.Http;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// A stored webhook. <see cref="Signing"/> is null only before the start-up backfill gave an old row its key.
/// <see cref="DisabledReason"/> and <see cref="DisabledAt"/> are set when Pipelet disabled it (<see cref="WebhookDisabledReasons"/>).
/// </summary>
internal sealed record Webhook(
    long Id, WebhookSettings Settings, WebhookSigningSecrets? Signing, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? DisabledReason = null, DateTimeOffset? DisabledAt = null)
{
    public WebhookSubscription ToSubscription() => new(Id, Settings, Signing, UpdatedAt);
}

/// <summary>The rule that a secret header and its value are set together, for a new webhook and for a changed one alike.</summary>
internal static class WebhookSecretHeaderRule
{
    public static WebhookSecretHeader? Pair(string? header, Secret? value, ValidationErrors errors)
    {
        switch (header, value)
        {
            case (null, null):
                return null;
            case (null, _):
                errors.Add("secret_header", "A secret value needs a secret header: send secret_header with it.");
                return null;
            case (_, null):
                errors.Add("secret_value", "A secret header needs a secret value: send secret_value with it.");
                return null;
            default:
                return new WebhookSecretHeader(header, value);
        }
    }
}

/// <summary>Why Pipelet disabled a webhook by itself.</summary>
internal static class WebhookDisabledReasons
{
    /// <summary>No delivery succeeded for <c>Delivery__DisableAfter</c> and at least <c>Delivery__DisableAfterFailures</c> tries failed in a row.</summary>
    public const string Failing = "failing";
}
