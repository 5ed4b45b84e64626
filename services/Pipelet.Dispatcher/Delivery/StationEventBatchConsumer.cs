using Microsoft.Extensions.Options;
using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Takes the gateway's <see cref="StationEventBatch"/> messages off <see cref="RetryQueues.StationEvents"/>: one
/// pass of MassTransit's consume pipeline per message, every event in it fanned out at once
/// (<see cref="StationEventFanOut"/>), each within one of the instance's <see cref="FanOutSlots"/>; events no webhook
/// wants take no slot. The message is
/// acknowledged only once every event's fan-out returned, i.e. once every webhook outcome of every event is
/// durable. If one fails, MassTransit retries the whole message, then hands it back to the queue; either way
/// each event then resumes from the delivery log (its delivery ids are derived from event and webhook), so
/// the events already done cost a log read, not a second request.
/// </summary>
public sealed class StationEventBatchConsumer(StationEventFanOut fanOut, FanOutSlots slots, ConsumeProgress progress) : IConsumer<StationEventBatch>
{
    public Task Consume(ConsumeContext<StationEventBatch> context) => progress.RunAsync(() => FanOutAllAsync(context));

    private async Task FanOutAllAsync(ConsumeContext<StationEventBatch> context)
    {
        // A message without its "events" array (not one our gateway writes) has nothing to deliver: acknowledge
        // it rather than fail it, which would hand it back to the queue for ever.
        var events = context.Message.Events ?? [];
        if (events.Count == 0) return;
        var resuming = context.ReceiveContext.Redelivered || context.GetRetryAttempt() > 0;
        var cancellationToken = context.CancellationToken;
        if (events.Count == 1)
        {
            if (!fanOut.MayDeliver(events[0]))
            {
                DeliveryTelemetry.NothingToDeliver(events[0]);
                return;
            }

            await slots.EnterAsync(cancellationToken);
            await FanOutInSlotAsync(context, events[0], resuming);
            return;
        }

        var fanOuts = new List<Task>(events.Count);
        var stopping = false;
        foreach (var stationEvent in events)
        {
            if (!fanOut.MayDeliver(stationEvent))
            {
                DeliveryTelemetry.NothingToDeliver(stationEvent);
                continue;
            }

            try
            {
                await slots.EnterAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                stopping = true;
                break;
            }

            fanOuts.Add(FanOutInSlotAsync(context, stationEvent, resuming));
        }

        // Even when stopping, the message is settled only after every fan-out started for it has ended.
        await Task.WhenAll(fanOuts);
        if (stopping) cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task FanOutInSlotAsync(ConsumeContext context, StationEvent stationEvent, bool resuming)
    {
        try
        {
            // Each event continues its own trace (the gateway's publish span of that event), not the message's.
            using var activity = DeliveryTelemetry.StartFanOut(stationEvent);
            await fanOut.FanOutAsync(context, stationEvent, resuming, context.CancellationToken);
        }
        finally
        {
            slots.Leave();
        }
    }
}

/// <summary>
/// The gateway's station-event batches, <see cref="DeliveryOptions.BatchConcurrency"/> messages at once; their
/// events share the instance's <see cref="DeliveryOptions.FanOutConcurrency"/> slots (<see cref="FanOutSlots"/>).
/// </summary>
internal sealed class StationEventBatchConsumerDefinition(IOptions<DeliveryOptions> options)
    : BoundedQueueDefinition<StationEventBatchConsumer>(RetryQueues.StationEvents, options.Value.BatchConcurrency);
