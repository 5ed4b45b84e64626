using System.Threading.Channels;
using Pipelet.Gateway.Ocpp;
using RabbitMQ.Client;

namespace Pipelet.Gateway.Events;

/// <summary>
/// One event channel's publisher: whenever one of its <see cref="GatewayOptions.EventBatchesInFlight"/> slots
/// is free it takes every event waiting (up to the batch caps), writes ONE envelope and publishes it
/// persistent, with a confirm, mandatory when <see cref="GatewayOptions.RequireRoutedEvents"/>. Idle, a
/// lone event goes at once; with every slot waiting on the broker, events gather and the next batch is larger.
/// </summary>
internal sealed class EventPublishLoop(
    int index,
    ChannelReader<PendingEvent> waiting,
    EventChannels channels,
    StationEventEnvelope envelope,
    GatewayOptions settings,
    TimeProvider time,
    GatewayMetrics metrics,
    EventBatchStatistics statistics,
    Func<DateTimeOffset> now)
{
    private readonly SemaphoreSlim _slots = new(settings.EventBatchesInFlight, settings.EventBatchesInFlight);

    /// <summary>Runs until the queue is completed and drained, then waits for the last confirms.</summary>
    public async Task RunAsync()
    {
        PendingEvent? carry = null;
        while (carry is not null || await waiting.WaitToReadAsync(CancellationToken.None))
        {
            await _slots.WaitAsync(CancellationToken.None);
            var batch = EventBatch.Take(waiting, ref carry, settings.EventBatchMaxEvents, settings.EventBatchMaxBytes);
            if (batch.Count == 0)
            {
                _slots.Release(); // another loop took them, or their callers gave up
                continue;
            }

            _ = PublishAsync(batch);
        }

        for (var i = 0; i < settings.EventBatchesInFlight; i++) await _slots.WaitAsync(CancellationToken.None);
    }

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
            publish = channel.BasicPublishAsync(StationEventEnvelope.Exchange, "", settings.RequireRoutedEvents, properties, body.WrittenMemory,
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
            _slots.Release();
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
