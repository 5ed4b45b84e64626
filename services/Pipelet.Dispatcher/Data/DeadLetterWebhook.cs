using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Dispatcher.Data;

/// <summary>The webhook as a dead letter remembers it: everything but the secret value.</summary>
public sealed record DeadLetterWebhook(long Id, string Name, Uri Url, bool Enabled, IReadOnlyList<string> Events, IReadOnlyList<string>? Stations, string? SecretHeader)
{
    public static DeadLetterWebhook From(WebhookSubscription webhook) =>
        new(webhook.WebhookId, webhook.Settings.Name, webhook.Settings.Url, webhook.Settings.Enabled, webhook.Settings.Events,
            webhook.Settings.Stations, webhook.Settings.SecretHeader?.Name);
}
