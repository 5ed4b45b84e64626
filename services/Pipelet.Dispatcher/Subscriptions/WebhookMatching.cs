using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Dispatcher.Subscriptions;

/// <summary>
/// Which webhooks want an event: enabled, subscribed to its name (or to "*", which means every station event) and
/// not excluded by a stations filter. Operational events (<see cref="EventCatalogue.Operational"/>) go only to
/// webhooks that name them, whatever their stations filter.
/// </summary>
public static class WebhookMatching
{
    public static bool Wants(WebhookSubscription webhook, string eventName, string stationId)
    {
        if (webhook.Settings is not { Enabled: true } settings) return false;
        if (EventCatalogue.IsOperational(eventName)) return settings.Events.Contains(eventName, StringComparer.Ordinal);
        return settings.Events.Any(e => e == EventCatalogue.Wildcard || string.Equals(e, eventName, StringComparison.Ordinal))
            && (settings.Stations is not { Count: > 0 } stations || stations.Contains(stationId, StringComparer.Ordinal));
    }
}
