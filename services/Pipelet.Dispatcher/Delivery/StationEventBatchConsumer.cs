using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Takes station events off <see cref="RetryQueues.StationEvents"/> in batches (MassTransit's
/// <see cref="Batch{T}"/>: up to <see cref="DeliveryOptions.BatchSize"/> events, or what arrived within
/// <see cref="DeliveryOptions.BatchTimeLimit"/>): one consumer scope, one retry and concurrency filter
/// pass for the whole batch, and every event's fan-out running at once (<see cref="StationEventFanOut"/>).
/// The batch, and so each of its events, is acknowledged only once every fan-out in it returned, i.e.
/// once every webhook's outcome is durable. If the batch fails, MassTransit retries it, then hands each
/// event back to the queue; a redelivered event resumes from the delivery log.
/// </summary>
public sealed class StationEventBatchConsumer(StationEventFanOut fanOut, ConsumeProgress progress) : IConsumer<Batch<StationEvent>>
{
    public Task Consume(ConsumeContext<Batch<StationEvent>> context) => progress.RunAsync(() => FanOutAllAsync(context));

    private async Task FanOutAllAsync(ConsumeContext<Batch<StationEvent>> context)
    {
        var batch = context.Message;
        if (batch.Length == 1)
        {
            await FanOutAsync(context, batch[0]);
            return;
        }

        var fanOuts = new Task[batch.Length];
        for (var i = 0; i < batch.Length; i++) fanOuts[i] = FanOutAsync(context, batch[i]);
        await Task.WhenAll(fanOuts);
    }

    private async Task FanOutAsync(ConsumeContext<Batch<StationEvent>> batch, ConsumeContext<StationEvent> message)
    {
        // Each event continues its own trace (the publisher's span id travels in MT-Activity-Id), not the batch's.
        var traceParent = message.ReceiveContext.TransportHeaders.Get<string>(DeliveryTelemetry.TraceHeader)
                          ?? message.Headers.Get<string>(DeliveryTelemetry.TraceHeader);
        var resuming = message.ReceiveContext.Redelivered || batch.GetRetryAttempt() > 0 || message.GetRetryAttempt() > 0;
        using var activity = DeliveryTelemetry.StartFanOut(message.Message, traceParent);
        await fanOut.FanOutAsync(batch, message.Message, resuming, batch.CancellationToken);
    }
}
