using System.Text.Json;
using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Subscriptions;

namespace Pipelet.Dispatcher.Ordering;

/// <summary>
/// Takes the station-event batches off the ordered queue (<see cref="OrderedRoute.Queue"/>), one at a time and in queue
/// order, and appends each event an ordered webhook wants to the end of its (webhook, station) lane
/// (<see cref="OrderedLanes"/>); the batch is acknowledged once that is committed. One instance consumes at a time (a
/// single active consumer), so a station's events are appended in the order they reached the broker, which is the order
/// the gateway answered them. An append that failed for a passing reason (PostgreSQL away) is tried again right here
/// until it succeeds or the endpoint stops: handing the batch back would let the next one overtake it. Any other failure
/// is MassTransit's to handle (the batch goes to the queue's <c>_error</c> queue), so one bad batch cannot stop every lane.
/// </summary>
public sealed partial class OrderedStationEventConsumer(
    WebhookDirectory directory,
    OrderedLanes lanes,
    OrderedLaneWorker worker,
    TimeProvider time,
    ILogger<OrderedStationEventConsumer> logger) : IConsumer<StationEventBatch>
{
    public async Task Consume(ConsumeContext<StationEventBatch> context)
    {
        var cancellationToken = context.CancellationToken;
        if (!directory.IsReady) await directory.Ready.WaitAsync(cancellationToken);

        var now = time.GetUtcNow();
        var appended = new List<OrderedLanes.Appended>();
        foreach (var stationEvent in context.Message.Events ?? [])
        {
            foreach (var webhook in directory.MatchOrdered(stationEvent))
            {
                var delivery = new WebhookDelivery(DeliveryIds.For(stationEvent.EventId, webhook.WebhookId), webhook.WebhookId, 1, stationEvent, now, now);
                appended.Add(new OrderedLanes.Appended(delivery.DeliveryId, webhook.WebhookId, stationEvent.StationId,
                    JsonSerializer.Serialize(delivery, DispatcherJson.Default.WebhookDelivery)));
            }
        }

        if (appended.Count == 0) return;
        for (var failures = 0; ; failures++)
        {
            try
            {
                if (await lanes.AppendAsync(appended, now, cancellationToken) > 0) worker.Kick();
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException { IsTransient: true } or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                if (failures % 10 == 0) LogAppendFailed(logger, appended.Count, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * (failures + 1))), time, cancellationToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Ordered delivery: could not append {Count} deliveries to their lanes, trying again: {Message}")]
    private static partial void LogAppendFailed(ILogger logger, int count, string message);
}

/// <summary>
/// The ordered queue: classic and durable, with a single active consumer over all instances, one message at a time.
/// A classic queue puts a message handed back (a consumer gone) at its old place, so the next consumer starts where
/// the last one stopped. Not bound by MassTransit: <see cref="OrderedRoute"/> binds it once an ordered webhook exists.
/// </summary>
internal sealed class OrderedStationEventConsumerDefinition : ConsumerDefinition<OrderedStationEventConsumer>
{
    public OrderedStationEventConsumerDefinition()
    {
        EndpointName = OrderedRoute.Queue;
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<OrderedStationEventConsumer> consumer,
        IRegistrationContext context)
    {
        endpoint.ConfigureConsumeTopology = false;
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.SingleActiveConsumer = true;
            // A few messages at hand while one is appended; they are taken in order, one at a time.
            rabbit.PrefetchCount = 16;
        }
    }
}
