using System.Text.Json;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Telemetry;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Makes one try of one delivery and makes its outcome durable before the caller's bus message is
/// acknowledged: success is logged; a failure is logged and the next try confirmed into the rung
/// queue; the last failure is logged together with the dead letter. Every lane goes through here:
/// the fan-out for first tries, the delivery consumer for retries and deferred first tries. A crash
/// anywhere in between redelivers the caller's message, and <see cref="ResumeAsync"/> then reads from
/// the log whether this try already happened, so a repeat costs at most a duplicate request
/// (receivers dedupe on <c>webhook-id</c>), never a lost delivery.
/// </summary>
public sealed partial class DeliveryAttempts(
    WebhookSender sender,
    DeliveryLog log,
    DeliveryLogReader reader,
    RetryLadder ladder,
    RetryScheduler retries,
    WebhookHealth health,
    WebhookFailureLog failures,
    PausedWebhooks pauses,
    WebhookDirectory directory,
    DeliveryTelemetry telemetry,
    TimeProvider time,
    ILogger<DeliveryAttempts> logger)
{
    /// <summary>
    /// The message came back (crash, lost channel, in-process retry): finish what the log says was
    /// done instead of trying again. Returns true when nothing more is to be done.
    /// </summary>
    public async Task<bool> ResumeAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var progress = await reader.GetProgressAsync(delivery.DeliveryId, cancellationToken);
        if (progress is null) return false;
        if (DeliveryStatus.IsFinal(progress.Status) || progress.Attempts > delivery.Attempt) return true;
        if (progress.Attempts == delivery.Attempt && progress.Status == DeliveryStatus.Retrying && ladder.DelayAfter(delivery.Attempt) is { } wait)
        {
            // Logged, but was the next try confirmed into the rung? Send it again: at worst a duplicate.
            await retries.ScheduleAsync(delivery, wait, cancellationToken);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Makes the try under the webhook's concurrency <paramref name="lease"/>, released as soon as the
    /// receiver has answered: the lease guards the receiver's slots, not the log write that follows.
    /// </summary>
    /// <param name="keepNext">When given, the next try is handed to it (an ordered lane keeps it) instead of a rung queue.</param>
    /// <returns>The try's result (its outcome is durable by then).</returns>
    public async Task<AttemptResult> MakeAsync(WebhookDelivery delivery, WebhookSubscription webhook, WebhookConcurrency.Lease lease,
        CancellationToken cancellationToken, Func<WebhookDelivery, CancellationToken, Task>? keepNext = null)
    {
        AttemptResult result;
        var startedAt = time.GetUtcNow();
        using (lease)
        using (health.Watch(delivery.WebhookId))
        using (var activity = DeliveryTelemetry.StartAttempt(delivery.DeliveryId, delivery.WebhookId, delivery.Event, delivery.Attempt))
        {
            result = await sender.SendAsync(webhook, delivery.Event, delivery.Attempt, cancellationToken);
            DeliveryTelemetry.Complete(activity, result);
        }

        // A retry's wait counts from here, the answer, not from when the log write below is done.
        var answeredAt = time.GetUtcNow();

        telemetry.Attempted(result);
        health.Observe(delivery.WebhookId, result);
        failures.Observe(delivery.WebhookId, result, startedAt);
        pauses.Observe(delivery.WebhookId, result);
        var attempt = new AttemptRecord(delivery.Attempt, startedAt, result.Duration.TotalMilliseconds, result.StatusCode,
            result.Succeeded ? null : ErrorKinds.Name(result.ErrorKind), result.Error, result.ResponseBody, result.RetryAfter);

        if (result.Succeeded)
        {
            await log.WriteAsync(Record(delivery, DeliveryStatus.Succeeded, delivery.Attempt, attempt), cancellationToken);
            telemetry.Outcome("succeeded");
        }
        else if (ladder.DelayAfter(delivery.Attempt) is { } rungWait)
        {
            // A 429 or 503 that said when to come back is believed, up to the ladder's longest wait.
            var wait = result.RetryAfter is { } retryAfter ? ladder.WaitAtLeast(rungWait, retryAfter - answeredAt) : rungWait;
            await log.WriteAsync(Record(delivery, DeliveryStatus.Retrying, delivery.Attempt, attempt, nextAttemptAt: answeredAt + wait), cancellationToken);
            if (directory.Find(delivery.WebhookId) is not { Settings.Enabled: true })
            {
                // Disabled or deleted while this try was out: RetryCancellation's statement may have run before
                // the row above was written, so cancel here, after it, and schedule nothing.
                await CancelAsync(delivery, delivery.Attempt, cancellationToken);
                return result;
            }

            if (keepNext is null) await retries.ScheduleAsync(delivery, wait, answeredAt, cancellationToken);
            else await keepNext(delivery with { Attempt = delivery.Attempt + 1, DueAt = answeredAt + wait }, cancellationToken);
            telemetry.Outcome("retry_scheduled");
        }
        else
        {
            var deadLetter = new DeadLetterRecord(
                JsonSerializer.Serialize(delivery.Event, DispatcherJson.Default.StationEvent),
                JsonSerializer.Serialize(DeadLetterWebhook.From(webhook), DispatcherJson.Default.DeadLetterWebhook));
            await log.WriteAsync(Record(delivery, DeliveryStatus.Failed, delivery.Attempt, attempt, deadLetter: deadLetter), cancellationToken);
            telemetry.Outcome("dead_lettered");
            telemetry.DeadLettered();
            LogDeadLettered(logger, delivery.DeliveryId, delivery.WebhookId, delivery.Attempt);
        }

        return result;
    }

    /// <summary>
    /// Keeps the try without making it: its webhook is paused (<see cref="PausedWebhooks"/>). The delivery shows
    /// <c>paused</c> in the log and waits in PostgreSQL, not in the broker, until the webhook resumes, or is
    /// dead-lettered when the retry ladder would have ended.
    /// </summary>
    public async Task HoldAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var hold = new HoldRecord(JsonSerializer.Serialize(delivery with { Kept = true }, DispatcherJson.Default.WebhookDelivery),
            ladder.EndsFor(delivery.CreatedAt));
        await log.WriteAsync(Record(delivery, DeliveryStatus.Paused, delivery.Attempt - 1, null, hold: hold), cancellationToken);
        telemetry.Outcome("held");
    }

    /// <summary>A kept delivery whose retry ladder has ended while its webhook stayed paused: dead-lettered like one whose last try failed.</summary>
    public async Task ExpireHeldAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (directory.Find(delivery.WebhookId) is not { } webhook)
        {
            await CancelAsync(delivery, delivery.Attempt - 1, cancellationToken);
            return;
        }

        var deadLetter = new DeadLetterRecord(
            JsonSerializer.Serialize(delivery.Event, DispatcherJson.Default.StationEvent),
            JsonSerializer.Serialize(DeadLetterWebhook.From(webhook), DispatcherJson.Default.DeadLetterWebhook));
        await log.WriteAsync(Record(delivery, DeliveryStatus.Failed, delivery.Attempt - 1, null, deadLetter: deadLetter), cancellationToken);
        telemetry.Outcome("dead_lettered");
        telemetry.DeadLettered();
        LogDeadLettered(logger, delivery.DeliveryId, delivery.WebhookId, delivery.Attempt - 1);
    }

    /// <summary>
    /// The webhook was deleted or disabled while this delivery waited: drop it, and say so in the log (usually
    /// <see cref="RetryCancellation"/> already has, and this write changes nothing).
    /// </summary>
    public Task CancelAsync(WebhookDelivery delivery, CancellationToken cancellationToken) => CancelAsync(delivery, delivery.Attempt - 1, cancellationToken);

    /// <summary>
    /// A retry of a webhook that changed after the delivery began: was it cancelled meanwhile (disabled, then
    /// enabled again before the retry came off its rung)? Then it is not tried. Webhooks rarely change, so
    /// this read is rare.
    /// </summary>
    public async Task<bool> WasCancelledAsync(WebhookDelivery delivery, WebhookSubscription webhook, CancellationToken cancellationToken) =>
        delivery.Attempt > 1 && webhook.UpdatedAt >= delivery.CreatedAt
        && (await reader.GetProgressAsync(delivery.DeliveryId, cancellationToken))?.Status == DeliveryStatus.Cancelled;

    private async Task CancelAsync(WebhookDelivery delivery, int attempts, CancellationToken cancellationToken)
    {
        await log.WriteAsync(Record(delivery, DeliveryStatus.Cancelled, attempts, null), cancellationToken);
        telemetry.Outcome("cancelled");
        LogCancelled(logger, delivery.DeliveryId, delivery.WebhookId);
    }

    private DeliveryRecord Record(WebhookDelivery delivery, string status, int attempts, AttemptRecord? attempt,
        DateTimeOffset? nextAttemptAt = null, DeadLetterRecord? deadLetter = null, HoldRecord? hold = null) =>
        new(delivery.DeliveryId, delivery.WebhookId, delivery.Event.EventId, delivery.Event.Event, delivery.Event.StationId,
            delivery.CreatedAt, status, attempts, time.GetUtcNow(), nextAttemptAt, delivery.ReplayOf, attempt, deadLetter, hold, delivery.Kept);

    [LoggerMessage(LogLevel.Information, "Delivery {DeliveryId} to webhook {WebhookId} cancelled: the webhook was deleted or disabled")]
    private static partial void LogCancelled(ILogger logger, Guid deliveryId, long webhookId);

    [LoggerMessage(LogLevel.Warning, "Delivery {DeliveryId} to webhook {WebhookId} dead-lettered after {Attempts} attempts")]
    private static partial void LogDeadLettered(ILogger logger, Guid deliveryId, long webhookId, int attempts);
}
