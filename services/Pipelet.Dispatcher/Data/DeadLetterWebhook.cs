using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Dispatcher.Data;

/// <summary>The webhook as a dead letter remembers it: everything but the secret value.</summary>
public sealed record DeadLetterWebhook(long Id, string Name, Uri Url, bool Enabled, IReadOnlyList<string> Events, IReadOnlyList<string>? Stations, string? SecretHeader)
{
    public static DeadLetterWebhook From(WebhookSubscription webhook) =>
        new(webhook.WebhookId, webhook.Name, webhook.Url, webhook.Enabled, webhook.Events, webhook.Stations, webhook.SecretHeader);
}
