using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// The retries queue (<see cref="RetryQueues.Retries"/>): retries as their rungs let them go, tried as
/// <see cref="WebhookDeliveryConsumer"/> tries anything, on slots of their own. Apart from the deliveries queue so a
/// backlog of handed-off first tries there cannot make a retry late.
/// </summary>
public sealed class RetryDeliveryConsumer(
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
    TimeProvider time) : WebhookDeliveryConsumer(directory, health, pauses, rateLimiter, attempts, retries, concurrency, telemetry, progress, batchSlots, time);

/// <summary>The retries queue, <see cref="DeliveryOptions.Concurrency"/> messages at once.</summary>
internal sealed class RetryDeliveryConsumerDefinition(IOptions<DeliveryOptions> options)
    : BoundedQueueDefinition<RetryDeliveryConsumer>(RetryQueues.Retries, options.Value.Concurrency);
