using MassTransit;
using Microsoft.Extensions.Options;

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
/// A queue consumed with as many messages prefetched as may run at once (a bounded backlog in memory),
/// failures handled as above.
/// </summary>
internal abstract class BoundedQueueDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected BoundedQueueDefinition(string queue, int concurrency)
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
