using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pipelet.Contracts.Events;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Telemetry;

/// <summary>
/// The dispatcher's spans and metrics (ActivitySource and Meter <c>Pipelet.Dispatcher</c>). Each attempt
/// is a span inside the event's trace: the event carries its gateway span across the bus hop
/// (<see cref="StationEvent.TraceParent"/>), and MassTransit carries the trace context through the retry
/// queues (headers survive dead-lettering), so every attempt of an event joins the trace the gateway started.
/// </summary>
public sealed class DeliveryTelemetry
{
    public const string Name = "Pipelet.Dispatcher";
    public static readonly ActivitySource Source = new(Name);

    private readonly Counter<long> _outcomes;
    private readonly Counter<long> _deadLetters;
    private readonly Histogram<double> _attemptDuration;
    private readonly Histogram<double> _retryLateness;
    private readonly Histogram<double> _retryLeadLeft;
    private readonly Counter<long> _handedOff;
    private readonly Counter<long> _steppedAside;
    private readonly Counter<long> _webhooksDisabled;

    public DeliveryTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _outcomes = meter.CreateCounter<long>("pipelet.dispatcher.deliveries", "{delivery}",
            "Delivery steps by outcome: succeeded, retry_scheduled, dead_lettered, cancelled.");
        _deadLetters = meter.CreateCounter<long>("pipelet.dispatcher.dead_letters", "{delivery}",
            "Deliveries that exhausted the retry ladder and went to failed_deliveries.");
        _attemptDuration = meter.CreateHistogram<double>("pipelet.dispatcher.attempt.duration", "s",
            "Duration of one HTTP attempt to a subscriber.");
        _retryLateness = meter.CreateHistogram<double>("pipelet.dispatcher.retry.lateness", "s",
            "How much later than scheduled a retry started.");
        _retryLeadLeft = meter.CreateHistogram<double>("pipelet.dispatcher.retry.lead_left", "s",
            "How long before its earliest retry was due a batch of retries came off its rung (zero: at that time or after). The " +
            "rung lets it go Delivery__RetryLead early; what the broker's delays leave of that is recorded, and near zero they " +
            "use it up and retries start late (pipelet.dispatcher.retry.lateness).");
        _handedOff = meter.CreateCounter<long>("pipelet.dispatcher.first_try.handed_off", "{delivery}",
            "Tries sent on as their own message instead of made here, by reason: rate_limited (the webhook had no token of its " +
            "rate_limit), busy (the fan-out's webhook was at its " +
            "inline limit, to the deliveries queue), slow (the webhook is marked slow, to the slow lane).");
        _steppedAside = meter.CreateCounter<long>("pipelet.dispatcher.delivery.stepped_aside", "{delivery}",
            "Tries from the deliveries queue or the slow lane that found every one of their webhook's slots for them " +
            "(Delivery__ConcurrencyPerWebhook minus the inline ones) taken for Delivery__SlotWait (the slow lane: at once) " +
            "and went back to the broker for a second, without spending an attempt; tagged try (first or retry).");
        _webhooksDisabled = meter.CreateCounter<long>("pipelet.dispatcher.webhooks.disabled", "{webhook}",
            "Webhooks disabled because their deliveries kept failing (Delivery__DisableAfter, Delivery__DisableAfterFailures).");
    }

    /// <summary>This instance had a failing webhook disabled.</summary>
    public void WebhookDisabled() => _webhooksDisabled.Add(1);

    /// <summary>
    /// The fan-out span of one station event, a child of the gateway's publish span of that event
    /// (<see cref="StationEvent.TraceParent"/>), so every attempt under it joins the event's own trace even though
    /// the event travelled in a batch with others. Without one, it is a child of the current (consume) span.
    /// </summary>
    public static Activity? StartFanOut(StationEvent stationEvent)
    {
        ActivityContext.TryParse(stationEvent.TraceParent, null, out var parent);
        var activity = Source.StartActivity("station event fan-out", ActivityKind.Internal, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.message.id", stationEvent.EventId);
            activity.SetTag("pipelet.event.id", stationEvent.EventId);
            activity.SetTag("pipelet.event.name", stationEvent.Event);
            activity.SetTag("pipelet.station.id", stationEvent.StationId);
        }

        return activity;
    }

    /// <summary>
    /// An event no webhook wants: in a recorded trace, a fan-out span that says so (<c>pipelet.webhooks.matched</c> 0),
    /// so the trace still shows the event reached the dispatcher; otherwise nothing at all.
    /// </summary>
    public static void NothingToDeliver(StationEvent stationEvent)
    {
        if (!ActivityContext.TryParse(stationEvent.TraceParent, null, out var parent) ||
            (parent.TraceFlags & ActivityTraceFlags.Recorded) == 0) return;
        using var activity = StartFanOut(stationEvent);
        activity?.SetTag("pipelet.webhooks.matched", 0);
    }

    /// <summary>
    /// The span of a retry that came back in a batch of retries, a child of the span it was scheduled in
    /// (<paramref name="traceParent"/>, W3C), so its attempt joins that trace although the batch message carries one
    /// trace context for all of its retries.
    /// </summary>
    public static Activity? StartRetry(string? traceParent, string? traceState, Guid deliveryId, int attempt)
    {
        ActivityContext.TryParse(traceParent, traceState, out var parent);
        var activity = Source.StartActivity("webhook retry", ActivityKind.Internal, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("pipelet.delivery.id", deliveryId);
            activity.SetTag("pipelet.attempt", attempt);
        }

        return activity;
    }

    /// <summary>The span around sending a batch of retries, in the trace of its first retry (<paramref name="traceParent"/>).</summary>
    public static Activity? StartRetrySend(string? traceParent, string? traceState)
    {
        ActivityContext.TryParse(traceParent, traceState, out var parent);
        return Source.StartActivity("webhook retries send", ActivityKind.Internal, parent);
    }

    /// <summary>The span of one try of one delivery of <paramref name="stationEvent"/> to one webhook.</summary>
    public static Activity? StartAttempt(Guid deliveryId, long webhookId, StationEvent stationEvent, int attempt)
    {
        var activity = Source.StartActivity("webhook attempt", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("pipelet.delivery.id", deliveryId);
            activity.SetTag("pipelet.webhook.id", webhookId);
            activity.SetTag("pipelet.event.id", stationEvent.EventId);
            activity.SetTag("pipelet.event.name", stationEvent.Event);
            activity.SetTag("pipelet.station.id", stationEvent.StationId);
            activity.SetTag("pipelet.attempt", attempt);
        }

        return activity;
    }

    public static void Complete(Activity? activity, AttemptResult result)
    {
        // A propagation-only span (nobody records it) carries the trace id and nothing else: no tags to box and link.
        if (activity is not { IsAllDataRequested: true }) return;
        if (result.StatusCode is { } status) activity.SetTag("http.response.status_code", status);
        if (!result.Succeeded)
        {
            activity.SetTag("error.type", result.ErrorKind.ToString());
            activity.SetStatus(ActivityStatusCode.Error, result.Error);
        }
    }

    public void Attempted(AttemptResult result) =>
        _attemptDuration.Record(result.Duration.TotalSeconds,
            new KeyValuePair<string, object?>("outcome", result.Succeeded ? "success" : "failure"),
            new KeyValuePair<string, object?>("error.type", result.Succeeded ? null : result.ErrorKind.ToString()));

    public void Outcome(string outcome) => _outcomes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void DeadLettered() => _deadLetters.Add(1);

    public void HandedOff(string reason) => _handedOff.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void SteppedAside(int attempt) => _steppedAside.Add(1, new KeyValuePair<string, object?>("try", attempt == 1 ? "first" : "retry"));

    public void RetryStarted(TimeSpan lateness) => _retryLateness.Record(Math.Max(0, lateness.TotalSeconds));

    /// <summary>A batch of retries came off its rung this long before its earliest retry was due.</summary>
    public void RetriesArrived(TimeSpan early) => _retryLeadLeft.Record(Math.Max(0, early.TotalSeconds));
}
