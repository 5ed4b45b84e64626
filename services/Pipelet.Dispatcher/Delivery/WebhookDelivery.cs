using Pipelet.Contracts.Events;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// One event on its way to one webhook: the dispatcher's own work item. A separate message per
/// (event, webhook) keeps the retries of one webhook from holding up any other.
/// </summary>
/// <param name="DeliveryId">Stable for the whole ladder; derived from (event, webhook) for the first ladder.</param>
/// <param name="Attempt">The try this message asks for, 1-based.</param>
/// <param name="DueAt">When this try was meant to run: now for the first, now + rung for retries.</param>
/// <param name="ReplayOf">The dead-lettered delivery this fresh ladder replays, if any.</param>
/// <param name="Kept">Kept while its webhook was paused (<see cref="DeliveryAttempts.HoldAsync"/>), so the delivery log
/// has its row already.</param>
public sealed record WebhookDelivery(
    Guid DeliveryId,
    long WebhookId,
    int Attempt,
    StationEvent Event,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    Guid? ReplayOf = null,
    bool Kept = false);

/// <summary>
/// Retries on their way through the same rung, gathered for <see cref="DeliveryOptions.RetryBatchWindow"/> into one
/// confirmed message (<see cref="RetryScheduler"/>): the broker's cost of a retry (a quorum queue's publish, expiry,
/// dead-letter, delivery and ack) is per message, not per retry. Each one is tried on its own when the batch comes
/// back to the deliveries queue; the batch is acknowledged once every one's outcome is durable.
/// </summary>
public sealed record WebhookDeliveryBatch(IReadOnlyList<BatchedRetry> Retries);

/// <summary>One retry in a <see cref="WebhookDeliveryBatch"/>, with the trace context it was scheduled in.</summary>
/// <param name="TraceParent">The W3C <c>traceparent</c> of the span current when the retry was scheduled: its try
/// continues that trace, as a retry sent on its own continues the trace in MassTransit's headers.</param>
public sealed record BatchedRetry(WebhookDelivery Delivery, string? TraceParent, string? TraceState);
