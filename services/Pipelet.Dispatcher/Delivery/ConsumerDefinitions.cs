using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using Pipelet.Dispatcher.Subscriptions;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Passing infrastructure trouble (the broker refusing a send, the database away for a redelivery
/// check) is retried in place with backoff, without limit: the message stays unacknowledged and is
/// never moved to an error queue for something that will heal.
/// </summary>
internal static class InfrastructureRetry
{
    public static void Configure(IConsumePipeConfigurator pipe) =>
        pipe.UseMessageRetry(r =>
        {
            r.Handle<NpgsqlException>();
            r.Handle<MassTransitException>();
            r.Handle<RabbitMQ.Client.Exceptions.RabbitMQClientException>();
            r.Handle<IOException>();
            r.Handle<TimeoutException>();
            r.Exponential(1_000_000, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500));
        });
}

internal sealed class StationEventConsumerDefinition : ConsumerDefinition<StationEventConsumer>
{
    public StationEventConsumerDefinition(IOptions<DeliveryOptions> options)
    {
        EndpointName = RetryQueues.StationEvents;
        ConcurrentMessageLimit = options.Value.FanOutConcurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<StationEventConsumer> consumer, IRegistrationContext context)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = ConcurrentMessageLimit!.Value * 2;
        InfrastructureRetry.Configure(endpoint);
    }
}

internal sealed class WebhookDeliveryConsumerDefinition : ConsumerDefinition<WebhookDeliveryConsumer>
{
    public WebhookDeliveryConsumerDefinition(IOptions<DeliveryOptions> options)
    {
        EndpointName = RetryQueues.Deliveries;
        ConcurrentMessageLimit = options.Value.Concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<WebhookDeliveryConsumer> consumer, IRegistrationContext context)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = ConcurrentMessageLimit!.Value;
        InfrastructureRetry.Configure(endpoint);
    }
}

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
