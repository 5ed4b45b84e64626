using Pipelet.Contracts.Subscriptions;
using Pipelet.Subscriptions.Http;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>A stored webhook. <see cref="Signing"/> is null only before the start-up backfill gave an old row its key.</summary>
internal sealed record Webhook(long Id, WebhookSettings Settings, WebhookSigningSecrets? Signing, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
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
