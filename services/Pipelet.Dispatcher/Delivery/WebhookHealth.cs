using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Telemetry;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Which webhooks answered slowly lately, on this instance. A try that takes <see cref="DeliveryOptions.SlowThreshold"/>
/// or longer (a slow answer, a timeout, a connect that hung: marked as soon as the threshold passes) marks its webhook slow for
/// <see cref="DeliveryOptions.SlowFor"/>, renewed by every further slow try; a fast success clears it.
/// A slow webhook's tries run in the slow lane (<see cref="RetryQueues.SlowDeliveries"/>), so slow
/// receivers can starve only each other. Per instance and in memory on purpose: a restart forgets,
/// and the first slow try marks the webhook again.
/// </summary>
public sealed partial class WebhookHealth
{
    private readonly ConcurrentDictionary<long, DateTimeOffset> _slowUntil = new();
    private readonly IOptions<DeliveryOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookHealth> _logger;

    public WebhookHealth(IOptions<DeliveryOptions> options, TimeProvider time, IMeterFactory meters, ILogger<WebhookHealth> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        meters.Create(DeliveryTelemetry.Name).CreateObservableGauge("pipelet.dispatcher.webhooks.slow", CountSlow, "{webhook}",
            "Webhooks this instance currently sends through the slow lane.");
    }

    public bool IsSlow(long webhookId)
    {
        if (!_slowUntil.TryGetValue(webhookId, out var until)) return false;
        if (until > _time.GetUtcNow()) return true;

        // Expired: forget it, unless a slow try renewed it meanwhile.
        _slowUntil.TryRemove(KeyValuePair.Create(webhookId, until));
        return false;
    }

    /// <summary>
    /// Marks the webhook slow if the try this watches is still running at <see cref="DeliveryOptions.SlowThreshold"/>:
    /// a receiver that hangs is then known after 2 s, not when its first try times out (10 s), while its tries hold
    /// their slots and each of its events waits <see cref="DeliveryOptions.InlineWait"/>. Dispose it when the try ends.
    /// </summary>
    public ITimer Watch(long webhookId) =>
        _time.CreateTimer(static state =>
        {
            var (health, id) = ((WebhookHealth, long))state!;
            health.MarkSlow(id, health._options.Value.SlowThreshold);
        }, (this, webhookId), _options.Value.SlowThreshold, Timeout.InfiniteTimeSpan);

    /// <summary>Called after every try, in either lane and inline.</summary>
    public void Observe(long webhookId, AttemptResult result)
    {
        if (result.Duration >= _options.Value.SlowThreshold)
        {
            MarkSlow(webhookId, result.Duration);
        }
        else if (result.Succeeded && _slowUntil.TryRemove(webhookId, out _))
        {
            LogRecovered(_logger, webhookId);
        }
    }

    private void MarkSlow(long webhookId, TimeSpan tookAtLeast)
    {
        var wasSlow = IsSlow(webhookId);
        _slowUntil[webhookId] = _time.GetUtcNow() + _options.Value.SlowFor;
        if (!wasSlow) LogMarkedSlow(_logger, webhookId, tookAtLeast.TotalMilliseconds);
    }

    private int CountSlow()
    {
        var now = _time.GetUtcNow();
        return _slowUntil.Count(entry => entry.Value > now);
    }

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookId} marked slow (a try took {DurationMs} ms or more): its tries go to the slow lane")]
    private static partial void LogMarkedSlow(ILogger logger, long webhookId, double durationMs);

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookId} answered fast again: back in the main lanes")]
    private static partial void LogRecovered(ILogger logger, long webhookId);
}
