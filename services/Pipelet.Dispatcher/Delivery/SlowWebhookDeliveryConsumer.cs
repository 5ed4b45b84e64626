using Microsoft.Extensions.Options;
using MassTransit;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// The slow lane (<see cref="RetryQueues.SlowDeliveries"/>): the same tries as <see cref="WebhookDeliveryConsumer"/>,
/// for webhooks marked slow, on their own <see cref="DeliveryOptions.SlowConcurrency"/> slots. Its retries
/// come back through the deliveries queue, which forwards them here while the webhook is still slow.
/// </summary>
public sealed class SlowWebhookDeliveryConsumer(
    WebhookDirectory directory,
    WebhookHealth health,
    PausedWebhooks pauses,
    WebhookRateLimiter rateLimiter,
    DeliveryAttempts attempts,
    RetryScheduler retries,
    WebhookConcurrency concurrency,
    DeliveryTelemetry telemetry,
    ConsumeProgress progress,
    RetryBatchSlots batchSlots,
    TimeProvider time) : WebhookDeliveryConsumer(directory, health, pauses, rateLimiter, attempts, retries, concurrency, telemetry, progress, batchSlots, time)
{
    protected override bool ForwardsSlowWebhooks => false;

    /// <summary>A slow webhook's slots free slowly: waiting for one would only hold one of the few slow-lane slots.</summary>
    protected override bool WaitsForSlot => false;
}

/// <summary>The slow lane, <see cref="DeliveryOptions.SlowConcurrency"/> tries at once.</summary>
internal sealed class SlowWebhookDeliveryConsumerDefinition(IOptions<DeliveryOptions> options)
    : BoundedQueueDefinition<SlowWebhookDeliveryConsumer>(RetryQueues.SlowDeliveries, options.Value.SlowConcurrency);
