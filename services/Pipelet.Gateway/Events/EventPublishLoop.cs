using Pipelet.Contracts.Events;
using Pipelet.Gateway.Ocpp;
using RabbitMQ.Client;

namespace Pipelet.Gateway.Events;

/// <summary>
/// One event channel's publisher: it takes every event waiting (up to the batch caps), writes ONE envelope and
/// publishes it persistent, with a confirm, mandatory when <see cref="GatewayOptions.RequireRoutedEvents"/>.
/// Group commit: a full batch goes at once (up to <see cref="GatewayOptions.EventBatchesInFlight"/> in flight); a
/// partial one only with nothing in flight and <see cref="GatewayOptions.EventBatchLinger"/> after the previous
/// publish (so a lone event after a quiet spell goes at once), else its events wait for company. Every message
/// costs the broker and the dispatcher about as much as its events: stragglers sent alone would cost one each.
/// </summary>
internal sealed class EventPublishLoop(
    int index,
    WaitingEvents waiting,
    EventChannels channels,
    StationEventEnvelope envelope,
    GatewayOptions settings,
    TimeProvider time,
    GatewayMetrics metrics,
    EventBatchStatistics statistics,
    Func<DateTimeOffset> now)
{
    private readonly SemaphoreSlim _slots = new(settings.EventBatchesInFlight, settings.EventBatchesInFlight);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _inFlight;
    private int _holding;
    private long _lastPublished;

    /// <summary>True while the loop holds a partial batch back until a confirm or a full batch.</summary>
    public bool IsHolding => Volatile.Read(ref _holding) == 1;

    /// <summary>A confirm came or a full batch is waiting: a holding loop looks again.</summary>
    public void Nudge()
    {
        if (Interlocked.Exchange(ref _holding, 0) == 1) _wake.Release();
    }

    /// <summary>Runs until the queue is completed and drained, then waits for the last confirms.</summary>
    public async Task RunAsync()
    {
        PendingEvent? carry = null;
        while (carry is not null || await waiting.WaitToReadAsync())
        {
            await _slots.WaitAsync(CancellationToken.None);
            if (carry is null) await UntilWorthSendingAsync();
            var batch = EventBatch.Take(waiting, ref carry, settings.EventBatchMaxEvents, settings.EventBatchMaxBytes);
            if (batch.Count == 0)
            {
                _slots.Release(); // another loop took them, or their callers gave up
                continue;
            }

            Interlocked.Increment(ref _inFlight);
            _lastPublished = time.GetTimestamp();
            _ = PublishAsync(batch);
        }

        for (var i = 0; i < settings.EventBatchesInFlight; i++) await _slots.WaitAsync(CancellationToken.None);
    }

    /// <summary>
    /// Returns once a full batch waits, or nothing is in flight and the last publish is <see cref="GatewayOptions.EventBatchLinger"/>
    /// old (at once after a quiet spell); else holds until a confirm, a full batch or the linger's end.
    /// </summary>
    private async Task UntilWorthSendingAsync()
    {
        while (!FullBatchWaiting())
        {
            var forConfirm = Volatile.Read(ref _inFlight) > 0;
            var wait = forConfirm ? Timeout.InfiniteTimeSpan : settings.EventBatchLinger - time.GetElapsedTime(_lastPublished);
            if (!forConfirm && wait <= TimeSpan.Zero) return;

            Volatile.Write(ref _holding, 1);
            // Looked at again after saying so: a confirm or a write between the two would not have nudged us.
            if ((FullBatchWaiting() || (forConfirm && Volatile.Read(ref _inFlight) == 0)) && Interlocked.Exchange(ref _holding, 0) == 1) continue;
            if (!await _wake.WaitAsync(wait) && Interlocked.Exchange(ref _holding, 0) == 0)
            {
                await _wake.WaitAsync(); // a nudge came with the timeout: take its release, so the next hold starts clean
            }
        }
    }

    private bool FullBatchWaiting() => waiting.Count >= settings.EventBatchMaxEvents;

    /// <summary>Completes every event of the batch: confirmed, or failed with what went wrong. Never throws.</summary>
    private async Task PublishAsync(EventBatch batch)
    {
        var body = new PooledBuffer(batch.Bytes + StationEventEnvelope.Overhead);
        Task? publish = null;
        IChannel? channel = null;
        try
        {
            var messageId = Guid.CreateVersion7();
            envelope.WriteBatch(body, messageId, batch.Events, now());
            batch.Dispose(); // the events' bytes are in the body now
            var properties = new BasicProperties
            {
                MessageId = messageId.ToString(),
                ContentType = StationEventEnvelope.ContentType,
                DeliveryMode = DeliveryModes.Persistent,
            };
            channel = await channels.GetAsync(index, CancellationToken.None).AsTask().WaitAsync(settings.EventPublishTimeout, time);
            // Completes when the broker confirms; throws when it nacks, returns (mandatory) or goes away. The
            // library gets no cancellation token: cancelling inside its confirm tracking can leave a duplicate
            // sequence number that fails every later publish on the channel; we stop waiting instead.
            var publishedAt = time.GetTimestamp();
            publish = channel.BasicPublishAsync(StationEventExchanges.Gateway, "", settings.RequireRoutedEvents, properties, body.WrittenMemory,
                CancellationToken.None).AsTask();
            await publish.WaitAsync(settings.EventPublishTimeout, time);
            metrics.EventBatchSize.Record(batch.Count);
            statistics.Confirmed(batch.Count, time.GetElapsedTime(publishedAt));
            batch.Confirm(new EventBatchReceipt(messageId, batch.Count));
        }
        catch (InvalidOperationException ex) when (channel is not null)
        {
            // The channel's confirm tracking is broken: no later publish on it could succeed.
            channels.Discard(channel);
            batch.Fail(ex);
        }
        catch (Exception ex)
        {
            batch.Fail(ex);
        }
        finally
        {
            batch.Dispose();
            ReturnWhenSent(body, publish);
            Interlocked.Decrement(ref _inFlight);
            _slots.Release();
            Nudge();
        }
    }

    /// <summary>The body goes back to the pool only once the library is done with it (not when we stopped waiting).</summary>
    private static void ReturnWhenSent(PooledBuffer body, Task? publish)
    {
        if (publish is null || publish.IsCompleted)
        {
            _ = publish?.Exception;
            body.Dispose();
            return;
        }

        _ = publish.ContinueWith(static (sent, state) =>
        {
            _ = sent.Exception; // observed: its caller already heard about the timeout
            ((PooledBuffer)state!).Dispose();
        }, body, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
