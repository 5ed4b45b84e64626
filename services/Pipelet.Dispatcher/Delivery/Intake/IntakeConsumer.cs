using System.Threading.Channels;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Telemetry;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pipelet.Dispatcher.Delivery.Intake;

/// <summary>
/// The consumer on one channel of <see cref="RetryQueues.StationEvents"/>. Each delivery is read on
/// RabbitMQ.Client's dispatch loop (parse only) and fanned out on the thread pool, all of them at
/// once up to the channel's prefetch; its delivery tag is acknowledged once the fan-out returned,
/// i.e. once every webhook's outcome is durable. Acknowledgements are sent by one loop, coalesced by
/// <see cref="AckTracker"/> into <c>basic.ack multiple</c> where the finished deliveries allow it.
/// When the channel dies, its unacknowledged deliveries go back to the queue by themselves; work
/// still running finishes (at worst a duplicate on redelivery) and its acknowledgements are dropped.
/// </summary>
public sealed partial class IntakeConsumer : AsyncDefaultBasicConsumer, IAsyncDisposable
{
    /// <summary>How long a failed event waits before it goes back to the queue, so a persistent failure does not spin.</summary>
    private static readonly TimeSpan FailureBackOff = TimeSpan.FromSeconds(1);

    private readonly StationEventFanOut _fanOut;
    private readonly ConsumeProgress _progress;
    private readonly ILogger _logger;
    private readonly AckTracker _tracker = new();
    private readonly Channel<bool> _ackDue = System.Threading.Channels.Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _work = new();
    private readonly CancellationToken _workToken;
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _acknowledging;
    private int _inFlight;
    private volatile bool _draining;

    public IntakeConsumer(IChannel channel, StationEventFanOut fanOut, ConsumeProgress progress, ILogger logger) : base(channel)
    {
        _fanOut = fanOut;
        _progress = progress;
        _logger = logger;
        _workToken = _work.Token;
        _acknowledging = Task.Run(AcknowledgeAsync);
    }

    /// <summary>Completes with the reason when the channel (or its connection) closes.</summary>
    public Task<string> Closed => _closed.Task;

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
        IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        _tracker.Received(deliveryTag);
        // Parsed here: the body is only valid during this call, and the event is all the fan-out needs.
        var stationEvent = BusEnvelope.TryRead(body.Span, properties, out var traceParent);
        if (stationEvent is null)
        {
            // Not a station event at all: retrying cannot help. Dropped with an error, never retried in a loop.
            LogMalformed(_logger, properties.MessageId, body.Length);
            _tracker.Finished(deliveryTag);
            _ackDue.Writer.TryWrite(true);
            return Task.CompletedTask;
        }

        Interlocked.Increment(ref _inFlight);
        _ = ProcessAsync(stationEvent, deliveryTag, redelivered, traceParent);
        return Task.CompletedTask;
    }

    private async Task ProcessAsync(StationEvent stationEvent, ulong deliveryTag, bool redelivered, string? traceParent)
    {
        // Off the dispatch loop at once: the next delivery is read while this one is delivered.
        await Task.Yield();
        try
        {
            using (DeliveryTelemetry.StartConsume(stationEvent, traceParent))
            {
                await _fanOut.FanOutAsync(stationEvent, redelivered, _workToken);
            }

            _tracker.Finished(deliveryTag);
        }
        catch (Exception ex)
        {
            if (!_workToken.IsCancellationRequested)
            {
                LogFailed(_logger, stationEvent.EventId, ex);
                await Task.Delay(FailureBackOff, CancellationToken.None);
            }

            _tracker.Failed(deliveryTag);
        }
        finally
        {
            _progress.Mark();
            _ackDue.Writer.TryWrite(true);
            if (Interlocked.Decrement(ref _inFlight) == 0 && _draining) _idle.TrySetResult();
        }
    }

    private async Task AcknowledgeAsync()
    {
        try
        {
            while (await _ackDue.Reader.WaitToReadAsync())
            {
                _ackDue.Reader.TryRead(out _);
                foreach (var ack in _tracker.Take())
                {
                    if (ack.Requeue) await Channel.BasicNackAsync(ack.DeliveryTag, multiple: false, requeue: true);
                    else await Channel.BasicAckAsync(ack.DeliveryTag, ack.Multiple);
                }

                // Let finishing deliveries gather for a moment: one multiple ack covers them all.
                await Task.Delay(1);
            }
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException or IOException)
        {
            // The channel is gone and with it these delivery tags: the broker requeues what was not acknowledged.
        }
    }

    /// <summary>Stops taking part: waits up to <paramref name="patience"/> for running fan-outs, then cancels the rest and sends the last acknowledgements.</summary>
    public async Task DrainAsync(TimeSpan patience)
    {
        _draining = true;
        if (Volatile.Read(ref _inFlight) == 0) _idle.TrySetResult();
        await _idle.Task.WaitAsync(patience).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _work.CancelAsync();
        _ackDue.Writer.TryComplete();
        await _acknowledging;
    }

    protected override Task OnCancelAsync(string[] consumerTags, CancellationToken cancellationToken = default)
    {
        // The broker cancelled us (queue deleted): treat it like a lost channel and reconnect.
        _closed.TrySetResult("the broker cancelled the consumer");
        return base.OnCancelAsync(consumerTags, cancellationToken);
    }

    public override async Task HandleChannelShutdownAsync(object channel, ShutdownEventArgs reason)
    {
        _closed.TrySetResult(reason.ReplyText);
        await base.HandleChannelShutdownAsync(channel, reason);
    }

    public async ValueTask DisposeAsync()
    {
        await _work.CancelAsync();
        _ackDue.Writer.TryComplete();
        await _acknowledging;
        _work.Dispose();
    }

    [LoggerMessage(LogLevel.Error, "Dropped a message on the station-event queue that holds no station event (message id {MessageId}, {Length} bytes)")]
    private static partial void LogMalformed(ILogger logger, string? messageId, int length);

    [LoggerMessage(LogLevel.Warning, "Fan-out of event {EventId} failed; it goes back to the queue and resumes from the delivery log")]
    private static partial void LogFailed(ILogger logger, Guid eventId, Exception exception);
}
