using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Puts the next try of a delivery into the broker: a send to the rung's exchange, whose TTL queue
/// dead-letters it back onto the deliveries queue when the wait is over. The send is confirmed by the
/// broker before it returns (MassTransit's publisher confirms), and only then is the current message
/// acknowledged. The wait costs this process nothing: no timer, no thread, no row lock. Tries handed to
/// another lane (a busy or slow webhook) go out the same confirmed way.
/// <para>
/// Next tries bound for the same rung within <see cref="DeliveryOptions.RetryBatchWindow"/> travel together, as one
/// <see cref="WebhookDeliveryBatch"/>: a retry costs the broker about as much as fifty first tries (a quorum queue's
/// publish, its expiry, an at-least-once dead-letter, the delivery and the ack), all of it per message. Each retry
/// keeps the trace context it was scheduled in (<see cref="BatchedRetry.TraceParent"/>).
/// </para>
/// </summary>
public sealed partial class RetryScheduler(IBus bus, IOptions<DeliveryOptions> options, TimeProvider time, DeliveryTelemetry telemetry,
    ILogger<RetryScheduler> logger)
{
    /// <summary>As many as the gateway puts in one station-event batch: a bounded message.</summary>
    public const int MaxBatch = 64;

    private readonly Dictionary<TimeSpan, Gathering> _gathering = [];

    /// <summary>Schedules the next try <paramref name="wait"/> from now; returns once the broker confirmed it.</summary>
    public Task ScheduleAsync(WebhookDelivery delivery, TimeSpan wait, CancellationToken cancellationToken) =>
        ScheduleAsync(delivery, wait, time.GetUtcNow(), cancellationToken);

    /// <summary>
    /// Schedules the next try <paramref name="wait"/> after <paramref name="failedAt"/> (when the receiver answered), so
    /// the time spent since then (logging the try, gathering the batch, the broker's confirm) does not make it late.
    /// Returns once the broker confirmed it (with the others gathered with it).
    /// </summary>
    public async Task ScheduleAsync(WebhookDelivery delivery, TimeSpan wait, DateTimeOffset failedAt, CancellationToken cancellationToken)
    {
        var current = Activity.Current is { IdFormat: ActivityIdFormat.W3C } span ? span : null;
        var next = new BatchedRetry(delivery with { Attempt = delivery.Attempt + 1, DueAt = failedAt + wait },
            current?.Id, current?.TraceStateString);
        Gathering gathering;
        bool opened = false, full = false;
        lock (_gathering)
        {
            if (!_gathering.TryGetValue(wait, out gathering!))
            {
                _gathering[wait] = gathering = new Gathering();
                opened = true;
            }

            gathering.Retries.Add(next);
            if (gathering.Retries.Count >= MaxBatch)
            {
                _gathering.Remove(wait);
                full = true;
            }
        }

        if (full) _ = SendAsync(gathering, wait);
        else if (opened) _ = SendAfterAsync(gathering, wait, options.Value.RetryBatchWindow);
        await gathering.Sent.Task.WaitAsync(cancellationToken);
    }

    private async Task SendAfterAsync(Gathering gathering, TimeSpan wait, TimeSpan window)
    {
        if (window > TimeSpan.Zero) await Task.Delay(window, time);
        lock (_gathering)
        {
            // Sent already: it filled up before the window ended.
            if (!_gathering.TryGetValue(wait, out var current) || current != gathering) return;
            _gathering.Remove(wait);
        }

        await SendAsync(gathering, wait);
    }

    /// <summary>
    /// Sends the gathered tries and tells each waiting caller whether the broker confirmed them. The message's own spans
    /// join the trace of its first retry.
    /// </summary>
    private async Task SendAsync(Gathering gathering, TimeSpan wait)
    {
        try
        {
            using var span = DeliveryTelemetry.StartRetrySend(gathering.Retries[0].TraceParent, gathering.Retries[0].TraceState);
            var endpoint = await bus.GetSendEndpoint(RetryQueues.AddressFor(wait));
            var dueAt = EarliestDue(gathering.Retries);
            await endpoint.Send(new WebhookDeliveryBatch(gathering.Retries), context => ExpireAt(context, dueAt, wait));
            gathering.Sent.TrySetResult();
            LogSent(logger, gathering.Retries.Count, (long)wait.TotalMilliseconds);
        }
        catch (Exception ex)
        {
            // Each caller's consume fails, so its message is retried and resumes from the log: nothing is lost.
            gathering.Sent.TrySetException(ex);
        }
    }

    /// <summary>
    /// Has the rung let the message go <see cref="DeliveryOptions.RetryLead"/> before its earliest retry is due, not a
    /// whole rung after it arrived (the queue's own TTL): the time between the failed tries and the send (their log
    /// write, the gathering window, a busy moment) would otherwise add to every retry's wait, and the lead absorbs as
    /// much delay again in the broker. The consumer holds each retry until its own due time (<see cref="Hold"/>), so
    /// none runs early. A rung expires only its oldest message, so a message due before the one ahead of it waits for
    /// that one, which is due no later than a whole rung after this one's send. The broker drops the expiration when
    /// it dead-letters the message, so it cannot expire again on the deliveries queue.
    /// </summary>
    private void ExpireAt(SendContext context, DateTimeOffset dueAt, TimeSpan wait)
    {
        if (!context.TryGetPayload<RabbitMqSendContext>(out var rabbit)) return;
        var left = (long)Math.Ceiling((dueAt - options.Value.RetryLead - time.GetUtcNow()).TotalMilliseconds);
        rabbit.BasicProperties.Expiration = Math.Clamp(left, 1, (long)wait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// When each retry of a batch its rung let go may run (<see cref="RetryHold"/>): the batch left
    /// <see cref="DeliveryOptions.RetryLead"/> before its earliest retry was due.
    /// </summary>
    public RetryHold Hold(IReadOnlyList<BatchedRetry> batch)
    {
        var earliest = EarliestDue(batch);
        var now = time.GetUtcNow();
        telemetry.RetriesArrived(earliest - now);
        return new RetryHold(now, earliest, options.Value.RetryLead, time);
    }

    /// <summary>The due time the batch's message expires by, and its hold counts from.</summary>
    private static DateTimeOffset EarliestDue(IReadOnlyList<BatchedRetry> batch)
    {
        var earliest = batch[0].Delivery.DueAt;
        for (var i = 1; i < batch.Count; i++) if (batch[i].Delivery.DueAt < earliest) earliest = batch[i].Delivery.DueAt;
        return earliest;
    }

    /// <summary>
    /// Runs the same try again a little later, without counting it (the webhook is saturated). Its due time stays,
    /// so the retry lateness metric counts the step aside.
    /// </summary>
    public async Task DeferAsync(ConsumeContext context, WebhookDelivery delivery)
    {
        var endpoint = await context.GetSendEndpoint(RetryQueues.AddressFor(RetryQueues.DeferWait));
        await endpoint.Send(delivery, context.CancellationToken);
        telemetry.SteppedAside(delivery.Attempt);
    }

    /// <summary>
    /// Sends the try, as it is, to another lane's queue (<paramref name="reason"/>: busy or slow); returns once
    /// the broker confirmed it, so the caller's message may then be acknowledged.
    /// </summary>
    public async Task HandOffAsync(ISendEndpointProvider sends, WebhookDelivery delivery, Uri lane, string reason, CancellationToken cancellationToken)
    {
        var endpoint = await sends.GetSendEndpoint(lane);
        await endpoint.Send(delivery, cancellationToken);
        telemetry.HandedOff(reason);
    }

    [LoggerMessage(LogLevel.Debug, "{Count} next tries sent to the {WaitMs} ms rung in one message")]
    private static partial void LogSent(ILogger logger, int count, long waitMs);

    private sealed class Gathering
    {
        public List<BatchedRetry> Retries { get; } = [];

        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// Holds the retries of a batch that arrived before they were due, each until its own due time: a batch leaves its
/// rung <see cref="DeliveryOptions.RetryLead"/> before its earliest retry is due, and the others were gathered up to a
/// window later. Never longer than the lead plus how much later than the earliest a retry is due (both by the clock
/// of the instance that scheduled them), so another instance's clock cannot hold a retry for longer.
/// </summary>
public readonly struct RetryHold(DateTimeOffset arrivedAt, DateTimeOffset earliestDue, TimeSpan lead, TimeProvider time)
{
    public Task UntilDueAsync(WebhookDelivery retry, CancellationToken cancellationToken)
    {
        var latest = arrivedAt + lead + (retry.DueAt - earliestDue);
        var until = retry.DueAt < latest ? retry.DueAt : latest;
        return until > time.GetUtcNow() ? WaitUntilAsync(until, cancellationToken) : Task.CompletedTask;
    }

    private async Task WaitUntilAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        // A timer counts whole milliseconds on its own clock and can fire a moment before the wall clock reaches the due
        // time: wait again until it has, so no retry runs early.
        for (var wait = until - time.GetUtcNow(); wait > TimeSpan.Zero; wait = until - time.GetUtcNow())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), time, cancellationToken);
        }
    }
}
