using Microsoft.Extensions.Options;
using MassTransit;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Runs the tries the fan-out did not make inline: every retry (back from its rung queue) and first
/// tries whose webhook was at its concurrency limit. A delivery for a webhook marked slow
/// (<see cref="WebhookHealth"/>) is forwarded to the slow lane, whose consumer is
/// <see cref="SlowWebhookDeliveryConsumer"/>, instead of being tried here. The try itself, and making
/// its outcome durable before the message is acknowledged, is <see cref="DeliveryAttempts"/>.
/// Retries gathered into a <see cref="WebhookDeliveryBatch"/> are each tried the same way, in parallel within
/// <see cref="RetryBatchSlots"/>; the batch is acknowledged once every one's outcome is durable.
/// </summary>
public class WebhookDeliveryConsumer(
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
    TimeProvider time) : IConsumer<WebhookDelivery>, IConsumer<WebhookDeliveryBatch>
{
    /// <summary>How long a delivery for a webhook this instance has not heard of waits for the view to catch up.</summary>
    private static readonly TimeSpan UnknownWebhookGrace = TimeSpan.FromSeconds(5);

    /// <summary>False in the slow lane itself, which tries whatever reaches it.</summary>
    protected virtual bool ForwardsSlowWebhooks => true;

    /// <summary>Whether a try waits up to <see cref="DeliveryOptions.SlotWait"/> for one of its webhook's slots before stepping aside.</summary>
    protected virtual bool WaitsForSlot => true;

    public Task Consume(ConsumeContext<WebhookDelivery> context) =>
        progress.RunAsync(() => DeliverAsync(context, context.Message, Resuming(context)));

    public Task Consume(ConsumeContext<WebhookDeliveryBatch> context) => progress.RunAsync(() => DeliverAllAsync(context));

    private static bool Resuming(ConsumeContext context) => context.ReceiveContext.Redelivered || context.GetRetryAttempt() > 0;

    private async Task DeliverAllAsync(ConsumeContext<WebhookDeliveryBatch> context)
    {
        var batch = context.Message.Retries ?? [];
        if (batch.Count == 0) return;

        // The rung let the batch go before its retries are due: each waits here for its due time, holding no slot.
        var hold = retries.Hold(batch);
        var resuming = Resuming(context);
        var tries = new List<Task>(batch.Count);
        var stopping = false;
        foreach (var retry in batch.OrderBy(r => r.Delivery.DueAt))
        {
            try
            {
                await hold.UntilDueAsync(retry.Delivery, context.CancellationToken);
                await batchSlots.EnterAsync(context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                stopping = true;
                break;
            }

            tries.Add(DeliverInSlotAsync(context, retry, resuming));
        }

        // Even when stopping, the message is settled only after every try started for it has ended.
        await Task.WhenAll(tries);
        if (stopping) context.CancellationToken.ThrowIfCancellationRequested();
    }

    private async Task DeliverInSlotAsync(ConsumeContext context, BatchedRetry retry, bool resuming)
    {
        try
        {
            // Each retry continues the trace it was scheduled in, not the batch message's.
            using var activity = DeliveryTelemetry.StartRetry(retry.TraceParent, retry.TraceState, retry.Delivery.DeliveryId, retry.Delivery.Attempt);
            await DeliverAsync(context, retry.Delivery, resuming);
        }
        finally
        {
            batchSlots.Leave();
        }
    }

    private async Task DeliverAsync(ConsumeContext context, WebhookDelivery delivery, bool resuming)
    {
        var cancellationToken = context.CancellationToken;
        if (resuming && await attempts.ResumeAsync(delivery, cancellationToken)) return;

        var webhook = await ResolveAsync(delivery.WebhookId, cancellationToken);
        if (webhook is not { Settings.Enabled: true })
        {
            await attempts.CancelAsync(delivery, cancellationToken);
            return;
        }

        // Enabled again, but its retries were cancelled when it was disabled: this one stays cancelled.
        if (await attempts.WasCancelledAsync(delivery, webhook, cancellationToken)) return;

        if (pauses.IsPaused(webhook.WebhookId))
        {
            await attempts.HoldAsync(delivery, cancellationToken);
            return;
        }

        if (ForwardsSlowWebhooks && health.IsSlow(webhook.WebhookId))
        {
            // Acknowledged only once the broker confirmed the forward: nothing is lost in between.
            await retries.HandOffAsync(context, delivery, RetryQueues.SlowDeliveriesAddress, "slow", cancellationToken);
            return;
        }

        // Over its rate limit: wait a moment for a token, else back in a second, neither failed nor counted as an attempt.
        if (webhook.Settings.RateLimit is { } limit && !await rateLimiter.WaitAsync(webhook.WebhookId, limit, RetryQueues.DeferWait, cancellationToken))
        {
            await retries.DeferAsync(context, delivery);
            return;
        }

        // A first try here waited already (handed off, stepped aside, replayed or kept): a retry due meanwhile gets the
        // webhook's next free slot first.
        var lease = delivery.Attempt == 1
            ? await concurrency.EnterFirstTryAsync(webhook.WebhookId, WaitsForSlot, cancellationToken)
            : await concurrency.EnterAsync(webhook.WebhookId, WaitsForSlot, cancellationToken);
        if (lease is null)
        {
            await retries.DeferAsync(context, delivery);
            return;
        }

        // The wait may have lasted half a second: try the webhook as it is now.
        webhook = directory.Find(webhook.WebhookId);
        if (webhook is not { Settings.Enabled: true })
        {
            lease.Dispose();
            await attempts.CancelAsync(delivery, cancellationToken);
            return;
        }

        // Here, not on arrival: a retry forwarded to the slow lane, or stepping aside, is counted once, when it runs.
        if (delivery.Attempt > 1) telemetry.RetryStarted(time.GetUtcNow() - delivery.DueAt);

        await attempts.MakeAsync(delivery, webhook, lease, cancellationToken);
    }

    private async Task<WebhookSubscription?> ResolveAsync(long webhookId, CancellationToken cancellationToken)
    {
        if (!directory.IsReady) await directory.Ready.WaitAsync(cancellationToken);
        var webhook = directory.Find(webhookId);
        if (webhook is not null || directory.WasDeleted(webhookId)) return webhook;

        // Another instance fanned this out: our view may be a moment behind theirs.
        var deadline = time.GetUtcNow() + UnknownWebhookGrace;
        while (webhook is null && !directory.WasDeleted(webhookId) && time.GetUtcNow() < deadline)
        {
            await directory.WaitForChangeAsync(deadline - time.GetUtcNow(), cancellationToken);
            webhook = directory.Find(webhookId);
        }

        return webhook;
    }
}

/// <summary>The deliveries queue, <see cref="DeliveryOptions.Concurrency"/> tries at once.</summary>
internal sealed class WebhookDeliveryConsumerDefinition(IOptions<DeliveryOptions> options)
    : BoundedQueueDefinition<WebhookDeliveryConsumer>(RetryQueues.Deliveries, options.Value.Concurrency);
