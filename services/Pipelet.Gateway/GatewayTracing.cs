using System.Collections.Frozen;
using System.Diagnostics;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Events;
using Pipelet.Gateway.Ocpp.Schemas;

namespace Pipelet.Gateway;

/// <summary>
/// The gateway's spans (source <c>Pipelet.Gateway</c>, exported by the service defaults). Each CALL a
/// station sends starts its own trace; the event's publish is a span of it (ended when the broker confirmed
/// the batch that carried the event), and its id travels inside the event (<c>StationEvent.TraceParent</c>:
/// a batch carries many events, each with its own trace), so the dispatcher's work and every delivery
/// attempt of that event land in the same trace.
/// </summary>
internal static class GatewayTracing
{
    public const string SourceName = "Pipelet.Gateway";

    private static readonly ActivitySource Source = new(SourceName);

    // Span names built once: every CALL starts its spans, sampled or not, and would otherwise build two strings.
    private static readonly FrozenDictionary<string, string> CallNames =
        OcppSchemas.StationRequests.Keys.ToFrozenDictionary(action => action, action => $"ocpp {action}");
    private static readonly string EventPublishName = $"{StationEventExchanges.Gateway} publish";

    /// <summary>
    /// The span of one CALL, as a new trace (sampled or not there, by the service defaults' sampler; every span
    /// downstream follows that decision, so tags are only set on a recorded span): the WebSocket request it arrives on lives as long as the
    /// connection and would otherwise gather every event of a station into one trace. Call it from an
    /// async method, so the cleared parent is restored for the caller when the method returns.
    /// </summary>
    public static Activity? StartCall(string stationId, string action, string messageId)
    {
        Activity.Current = null;
        var activity = Source.StartActivity(CallNames.GetValueOrDefault(action) ?? $"ocpp {action}", ActivityKind.Server);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("ocpp.station_id", stationId);
            activity.SetTag("ocpp.action", action);
            activity.SetTag("ocpp.message_id", messageId);
        }

        return activity;
    }

    /// <summary>The publish of one event, a child of whatever the gateway is doing (a CALL, a connect, a command).</summary>
    public static Activity? StartPublish(string eventName, Guid eventId, string stationId)
    {
        var activity = Source.StartActivity(EventPublishName, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "rabbitmq");
            activity.SetTag("messaging.destination.name", StationEventExchanges.Gateway);
            activity.SetTag("messaging.message.id", eventId.ToString());
            activity.SetTag("pipelet.event", eventName);
            activity.SetTag("ocpp.station_id", stationId);
        }

        return activity;
    }
}
