using MassTransit;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Subscriptions;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// What happens when a consume fails. A few quick retries in place absorb a hiccup (the database
/// reconnecting, a send refused once). After that the message is not parked in an <c>_error</c>
/// queue, where it would silently stop moving: it is handed back to the broker (nack with requeue)
/// and comes again, marked redelivered, so the consumer resumes from what the log says. The retries
/// are bounded on purpose: a consumer stuck retrying forever would keep MassTransit from restarting
/// the receive endpoint after the broker connection drops.
/// </summary>
internal static class FailureHandling
{
    public static void Configure(IReceiveEndpointConfigurator endpoint)
    {
        endpoint.UseMessageRetry(r =>
        {
            r.Ignore<OperationCanceledException>();
            r.Intervals(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        });
        endpoint.DiscardFaultedMessages();
        endpoint.RethrowFaultedMessages();
    }
}

/// <summary>
/// Station events in batches of up to <see cref="DeliveryOptions.BatchSize"/>, each closed after
/// <see cref="DeliveryOptions.BatchTimeLimit"/> at most (a lone event waits only that long), with
/// <see cref="DeliveryOptions.FanOutConcurrency"/> events in flight as FanOutConcurrency / BatchSize batches
/// at once. MassTransit sizes the prefetch and the endpoint's limit as batches x batch size, so the batch
/// size also sets how many batches may run: small batches keep enough events moving at light load, where a
/// batch holds one or two events (measured: 8 batches of 32 let a backlog form at 300 events/s).
/// </summary>
internal sealed class StationEventBatchConsumerDefinition : ConsumerDefinition<StationEventBatchConsumer>
{
    private readonly int _batchSize;
    private readonly int _batches;
    private readonly TimeSpan _timeLimit;

    public StationEventBatchConsumerDefinition(IOptions<DeliveryOptions> options)
    {
        EndpointName = RetryQueues.StationEvents;
        _batchSize = Math.Min(options.Value.BatchSize, options.Value.FanOutConcurrency);
        _batches = Math.Max(1, options.Value.FanOutConcurrency / _batchSize);
        _timeLimit = options.Value.BatchTimeLimit;
        ConcurrentMessageLimit = _batchSize * _batches;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<StationEventBatchConsumer> consumer, IRegistrationContext context)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = ConcurrentMessageLimit!.Value;
        consumer.Options<BatchOptions>(batch => batch
            .SetMessageLimit(_batchSize)
            .SetConcurrencyLimit(_batches)
            .SetTimeLimit(_timeLimit));
        FailureHandling.Configure(endpoint);
    }
}

/// <summary>A queue of per-webhook tries: as many prefetched as may run at once, failures handled as above.</summary>
internal abstract class DeliveryQueueDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected DeliveryQueueDefinition(string queue, int concurrency)
    {
        EndpointName = queue;
        ConcurrentMessageLimit = concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer, IRegistrationContext context)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = ConcurrentMessageLimit!.Value;
        FailureHandling.Configure(endpoint);
    }
}

internal sealed class WebhookDeliveryConsumerDefinition(IOptions<DeliveryOptions> options)
    : DeliveryQueueDefinition<WebhookDeliveryConsumer>(RetryQueues.Deliveries, options.Value.Concurrency);

internal sealed class SlowWebhookDeliveryConsumerDefinition(IOptions<DeliveryOptions> options)
    : DeliveryQueueDefinition<SlowWebhookDeliveryConsumer>(RetryQueues.SlowDeliveries, options.Value.SlowConcurrency);

internal sealed class WebhookChangesConsumerDefinition : ConsumerDefinition<WebhookChangesConsumer>
{
    public WebhookChangesConsumerDefinition()
    {
        // Every instance must see every change: a temporary (auto-delete) queue per instance.
        Endpoint(e =>
        {
            e.Name = "dispatcher-webhook-changes";
            e.InstanceId = Guid.NewGuid().ToString("N")[..12];
            e.Temporary = true;
        });
        ConcurrentMessageLimit = 1; // changes apply in order
    }
}
