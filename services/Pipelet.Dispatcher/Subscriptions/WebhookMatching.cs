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
    /// <remarks>Asked for every (event, webhook) pair, twice per event: loops, no delegate or enumerator allocated.</remarks>
    public static bool Wants(WebhookSubscription webhook, string eventName, string stationId)
    {
        if (webhook.Settings is not { Enabled: true } settings) return false;
        if (EventCatalogue.IsOperational(eventName)) return Contains(settings.Events, eventName);
        return (Contains(settings.Events, EventCatalogue.Wildcard) || Contains(settings.Events, eventName))
            && (settings.Stations is not { Count: > 0 } stations || Contains(stations, stationId));
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal)) return true;
        }

        return false;
    }
}
