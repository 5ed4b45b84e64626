using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// The first tries' queue (<see cref="RetryQueues.FirstTries"/>): the same tries as <see cref="WebhookDeliveryConsumer"/>,
/// for first tries the fan-out did not make and for replayed dead letters, consumed apart from the retries so a burst
/// of them cannot delay a retry due now. They share their webhook's queued slots with the retries, short of the
/// retries' reserve (<see cref="WebhookConcurrency.EnterFirstTryAsync"/>).
/// </summary>
public sealed class FirstTryDeliveryConsumer(
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

/// <summary>The first tries' queue, <see cref="DeliveryOptions.Concurrency"/> tries at once, as many as the deliveries queue.</summary>
internal sealed class FirstTryDeliveryConsumerDefinition(IOptions<DeliveryOptions> options)
    : BoundedQueueDefinition<FirstTryDeliveryConsumer>(RetryQueues.FirstTries, options.Value.Concurrency);
