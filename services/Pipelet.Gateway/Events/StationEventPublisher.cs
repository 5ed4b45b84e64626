using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipelet.Contracts.Events;

namespace Pipelet.Gateway.Events;

/// <summary>
/// Publishes one <see cref="StationEvent"/> and returns only once RabbitMQ has confirmed the
/// <see cref="StationEventBatch"/> that carried it. Events wait in one queue; each event channel's
/// <see cref="EventPublishLoop"/> takes whatever is waiting, at once when nothing is in flight (so a lone
/// event goes out at once) and otherwise at the next confirm or once a batch is full: under load, many share a
/// message (the broker's and the dispatcher's cost is per message).
/// The event's publish span (a child of whatever the caller is doing) lasts until the confirm and its id
/// travels inside the event (<see cref="StationEvent.TraceParent"/>).
/// </summary>
internal sealed class StationEventPublisher : IAsyncDisposable
{
    private readonly WaitingEvents _waiting;
    private readonly EventPublishLoop[] _publishLoops;
    private readonly Task[] _loops;
    private readonly GatewayOptions _settings;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<StationEventPublisher> _logger;

    // During a broker outage every CALL fails: one warning with its stack every few seconds, the rest counted.
    private readonly WarningThrottle _warnings;

    public StationEventPublisher(EventChannels channels, IOptions<GatewayOptions> options, TimeProvider time, GatewayMetrics metrics,
        ILogger<StationEventPublisher> logger)
    {
        _settings = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _warnings = new WarningThrottle(time, TimeSpan.FromSeconds(10));
        _waiting = new WaitingEvents(singleReader: _settings.EventPublishChannels == 1);
        var envelope = new StationEventEnvelope(channels.Broker);
        var statistics = new EventBatchStatistics(time, _settings.EventStatisticsInterval, logger);
        _publishLoops = new EventPublishLoop[_settings.EventPublishChannels];
        _loops = new Task[_settings.EventPublishChannels];
        // The loops live as long as the gateway, not as the request that first needed a publisher (a station's
        // connect): without its context, they do not publish every batch of the run inside that request's trace.
        using (ExecutionContext.SuppressFlow())
        {
            for (var i = 0; i < _loops.Length; i++)
            {
                var loop = _publishLoops[i] = new EventPublishLoop(i, _waiting, channels, envelope, _settings, time, metrics, statistics, Now);
                _loops[i] = Task.Run(loop.RunAsync);
            }
        }
    }

    /// <summary>Now, UTC, cut to milliseconds (the precision events carry).</summary>
    public DateTimeOffset Now()
    {
        var now = _time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <exception cref="EventNotStoredException">
    /// The event's batch was nacked, returned (mandatory: wanted, but no dispatcher queue bound), lost with the connection, or not confirmed
    /// within the publish timeout.
    /// </exception>
    public async Task PublishAsync(string eventName, string stationId, DateTimeOffset timestamp, JsonElement payload, CancellationToken cancellationToken)
    {
        var eventId = Guid.CreateVersion7(timestamp);
        using var activity = GatewayTracing.StartPublish(eventName, eventId, stationId);
        var pending = new PendingEvent(new StationEvent(eventId, eventName, stationId, timestamp, payload, activity?.Id));
        if (!_waiting.TryWrite(pending))
        {
            pending.Dispose();
            throw NotStored(eventName, stationId, new ObjectDisposedException(nameof(StationEventPublisher), "The gateway is shutting down."));
        }

        NudgeWhenFull();

        try
        {
            var receipt = await pending.Completion.WaitAsync(_settings.EventPublishTimeout, _time, cancellationToken);
            activity?.SetTag("messaging.batch.message_count", receipt.Events);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            pending.Abandon();
            throw;
        }
        catch (Exception ex)
        {
            // Not ours to keep: the loop failed the batch, or we stopped waiting (then it drops the event if still queued).
            pending.Abandon();
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw NotStored(eventName, stationId, ex);
        }
    }

    /// <summary>A loop holding its partial batch back for a confirm sends at once when a full batch waits.</summary>
    private void NudgeWhenFull()
    {
        foreach (var loop in _publishLoops)
        {
            if (loop.IsHolding && _waiting.Count >= _settings.EventBatchMaxEvents) loop.Nudge();
        }
    }

    private EventNotStoredException NotStored(string eventName, string stationId, Exception ex)
    {
        _metrics.EventsNotStored.Add(1);
        if (_warnings.ShouldWarn(out var suppressed))
        {
            _logger.LogWarning(ex, "{Event} event of station {StationId} was not confirmed by the broker ({Suppressed} more since the last warning)",
                eventName, stationId, suppressed);
        }
        else
        {
            _logger.LogDebug("{Event} event of station {StationId} was not confirmed by the broker: {Error}", eventName, stationId, ex.Message);
        }

        return new EventNotStoredException(eventName, ex);
    }

    /// <summary>Shutdown: events already queued (the stations' Disconnects) are still published and confirmed.</summary>
    public async ValueTask DisposeAsync()
    {
        _waiting.Complete();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(_settings.EventPublishTimeout * 2, _time);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Events still unconfirmed at shutdown after {Timeout}; their callers got InternalError", _settings.EventPublishTimeout * 2);
        }
    }
}
