using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Dispatcher.Subscriptions;

/// <summary>Which webhooks want an event: enabled, subscribed to its name or "*", and not excluded by a stations filter.</summary>
public static class WebhookMatching
{
    public static bool Wants(WebhookSubscription webhook, string eventName, string stationId) =>
        webhook.Settings is { Enabled: true } settings
        && settings.Events.Any(e => e == EventCatalogue.Wildcard || string.Equals(e, eventName, StringComparison.Ordinal))
        && (settings.Stations is not { Count: > 0 } stations || stations.Contains(stationId, StringComparer.Ordinal));
}
