using System.Text.Json;
using MassTransit;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Telemetry;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Makes one try of one delivery and makes its outcome durable before the message is acknowledged:
/// success is logged; a failure is logged and the next try confirmed into the rung queue; the last
/// failure is logged together with the dead letter. A crash anywhere in between redelivers the
/// message: the log then tells whether this try already happened, so a repeat costs at most a
/// duplicate request (receivers dedupe on <c>webhook-id</c>), never a lost delivery.
/// </summary>
public sealed partial class WebhookDeliveryConsumer(
    WebhookDirectory directory,
    WebhookSender sender,
    DeliveryLog log,
    DeliveryLogReader reader,
    RetryLadder ladder,
    RetryScheduler retries,
    WebhookConcurrency concurrency,
    DeliveryTelemetry telemetry,
    ConsumeProgress progress,
    TimeProvider time,
    ILogger<WebhookDeliveryConsumer> logger) : IConsumer<WebhookDelivery>
{
    /// <summary>How long a delivery for a webhook this instance has not heard of waits for the view to catch up.</summary>
    private static readonly TimeSpan UnknownWebhookGrace = TimeSpan.FromSeconds(5);

    public async Task Consume(ConsumeContext<WebhookDelivery> context)
    {
        try
        {
            await DeliverAsync(context);
        }
        finally
        {
            progress.Mark();
        }
    }

    private async Task DeliverAsync(ConsumeContext<WebhookDelivery> context)
    {
        var delivery = context.Message;
        var cancellationToken = context.CancellationToken;
        if (delivery.Attempt > 1) telemetry.RetryStarted(time.GetUtcNow() - delivery.DueAt);

        if ((context.ReceiveContext.Redelivered || context.GetRetryAttempt() > 0) && await ResumeAsync(context, delivery))
        {
            return;
        }

        var webhook = await ResolveAsync(delivery.WebhookId, cancellationToken);
        if (webhook is not { Enabled: true })
        {
            // Deleted or disabled while this delivery waited: drop it, and say so in the log.
            await log.WriteAsync(Record(delivery, DeliveryStatus.Cancelled, delivery.Attempt - 1, null), cancellationToken);
            telemetry.Outcome("cancelled");
            LogCancelled(logger, delivery.DeliveryId, delivery.WebhookId);
            return;
        }

        using var lease = concurrency.TryEnter(webhook.WebhookId);
        if (lease is null)
        {
            await retries.DeferAsync(context, delivery);
            return;
        }

        AttemptResult result;
        var startedAt = time.GetUtcNow();
        using (var activity = telemetry.StartAttempt(delivery))
        {
            result = await sender.SendAsync(new WebhookTarget(webhook.Url, webhook.SecretHeader, webhook.SecretValue), delivery.Event, delivery.Attempt, cancellationToken);
            DeliveryTelemetry.Complete(activity, result);
        }

        telemetry.Attempted(result);
        var attempt = new AttemptRecord(delivery.Attempt, startedAt, result.Duration.TotalMilliseconds, result.StatusCode,
            result.Succeeded ? null : ErrorKinds.Name(result.ErrorKind), result.Error, result.ResponseBody);

        if (result.Succeeded)
        {
            await log.WriteAsync(Record(delivery, DeliveryStatus.Succeeded, delivery.Attempt, attempt), cancellationToken);
            telemetry.Outcome("succeeded");
        }
        else if (ladder.DelayAfter(delivery.Attempt) is { } wait)
        {
            await log.WriteAsync(Record(delivery, DeliveryStatus.Retrying, delivery.Attempt, attempt, nextAttemptAt: time.GetUtcNow() + wait), cancellationToken);
            await retries.ScheduleAsync(context, delivery, wait);
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
    }

    /// <summary>
    /// The message came back (crash, lost channel, in-process retry): finish what the log says was
    /// done instead of trying again. Returns true when nothing more is to be done.
    /// </summary>
    private async Task<bool> ResumeAsync(ConsumeContext context, WebhookDelivery delivery)
    {
        var progress = await reader.GetProgressAsync(delivery.DeliveryId, context.CancellationToken);
        if (progress is null) return false;
        if (DeliveryStatus.IsFinal(progress.Status) || progress.Attempts > delivery.Attempt) return true;
        if (progress.Attempts == delivery.Attempt && progress.Status == DeliveryStatus.Retrying && ladder.DelayAfter(delivery.Attempt) is { } wait)
        {
            // Logged, but was the next try confirmed into the rung? Send it again: at worst a duplicate.
            await retries.ScheduleAsync(context, delivery, wait);
            return true;
        }

        return false;
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

    private DeliveryRecord Record(WebhookDelivery delivery, string status, int attempts, AttemptRecord? attempt,
        DateTimeOffset? nextAttemptAt = null, DeadLetterRecord? deadLetter = null) =>
        new(delivery.DeliveryId, delivery.WebhookId, delivery.Event.EventId, delivery.Event.Event, delivery.Event.StationId,
            delivery.CreatedAt, status, attempts, time.GetUtcNow(), nextAttemptAt, delivery.ReplayOf, attempt, deadLetter);

    [LoggerMessage(LogLevel.Information, "Delivery {DeliveryId} to webhook {WebhookId} cancelled: the webhook was deleted or disabled")]
    private static partial void LogCancelled(ILogger logger, Guid deliveryId, long webhookId);

    [LoggerMessage(LogLevel.Warning, "Delivery {DeliveryId} to webhook {WebhookId} dead-lettered after {Attempts} attempts")]
    private static partial void LogDeadLettered(ILogger logger, Guid deliveryId, long webhookId, int attempts);
}
