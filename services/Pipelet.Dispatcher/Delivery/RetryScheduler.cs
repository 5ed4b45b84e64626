using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Puts the next try of a delivery into the broker: a send to the rung's exchange, whose TTL queue
/// dead-letters it onto the retries queue when the wait is over. The send is confirmed by the
/// broker before it returns (MassTransit's publisher confirms), and only then is the current message
/// acknowledged. The wait costs this process nothing: no timer, no thread, no row lock. Tries handed to
/// another lane (a busy or slow webhook) go out the same confirmed way.
/// <para>
/// Tries bound for the same rung or lane within <see cref="DeliveryOptions.RetryBatchWindow"/> travel together, as one
/// <see cref="WebhookDeliveryBatch"/>: a retry costs the broker about as much as fifty first tries (a quorum queue's
/// publish, its expiry, an at-least-once dead-letter, the delivery and the ack), and a hand-off a publish, a delivery
/// and an ack, all of it per message. A burst of hand-offs (the box slowed, so first tries waited out
/// <see cref="DeliveryOptions.InlineWait"/>) then costs the broker little more than the first tries would have, instead
/// of slowing the box further and handing off more. Each try keeps the trace context it was sent in
/// (<see cref="BatchedTry.TraceParent"/>).
/// </para>
/// </summary>
public sealed partial class RetryScheduler(IBus bus, IOptions<DeliveryOptions> options, TimeProvider time, DeliveryTelemetry telemetry,
    ILogger<RetryScheduler> logger)
{
    /// <summary>As many as the gateway puts in one station-event batch: a bounded message.</summary>
    public const int MaxBatch = 64;

    /// <summary>What is being gathered, per rung or lane address.</summary>
    private readonly Dictionary<Uri, Gathering> _gathering = [];

    /// <summary>Schedules the next try <paramref name="wait"/> from now; returns once the broker confirmed it.</summary>
    public Task ScheduleAsync(WebhookDelivery delivery, TimeSpan wait, CancellationToken cancellationToken) =>
        ScheduleAsync(delivery, wait, time.GetUtcNow(), cancellationToken);

    /// <summary>
    /// Schedules the next try <paramref name="wait"/> after <paramref name="failedAt"/> (when the receiver answered), so
    /// the time spent since then (logging the try, gathering the batch, the broker's confirm) does not make it late.
    /// Returns once the broker confirmed it (with the others gathered with it).
    /// </summary>
    public Task ScheduleAsync(WebhookDelivery delivery, TimeSpan wait, DateTimeOffset failedAt, CancellationToken cancellationToken) =>
        GatherAsync(RetryQueues.AddressFor(wait), wait, delivery with { Attempt = delivery.Attempt + 1, DueAt = failedAt + wait }, cancellationToken);

    /// <summary>
    /// Sends the try, as it is, to another lane's queue (<paramref name="reason"/>: busy, rate-limited or slow), gathered
    /// with others bound there; returns once the broker confirmed it, so the caller's message may then be acknowledged.
    /// </summary>
    public async Task HandOffAsync(WebhookDelivery delivery, Uri lane, string reason, CancellationToken cancellationToken)
    {
        await GatherAsync(lane, rung: null, delivery, cancellationToken);
        telemetry.HandedOff(reason);
    }

    /// <param name="rung">The rung's wait when <paramref name="address"/> is a rung, so the message leaves it when due.</param>
    private async Task GatherAsync(Uri address, TimeSpan? rung, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var current = Activity.Current is { IdFormat: ActivityIdFormat.W3C } span ? span : null;
        var item = new BatchedTry(delivery, current?.Id, current?.TraceStateString);
        Gathering gathering;
        bool opened = false, full = false;
        lock (_gathering)
        {
            if (!_gathering.TryGetValue(address, out gathering!))
            {
                _gathering[address] = gathering = new Gathering(address, rung);
                opened = true;
            }

            gathering.Tries.Add(item);
            if (gathering.Tries.Count >= MaxBatch)
            {
                _gathering.Remove(address);
                full = true;
            }
        }

        if (full) _ = SendAsync(gathering);
        else if (opened) _ = SendAfterAsync(gathering, options.Value.RetryBatchWindow);
        await gathering.Sent.Task.WaitAsync(cancellationToken);
    }

    private async Task SendAfterAsync(Gathering gathering, TimeSpan window)
    {
        if (window > TimeSpan.Zero) await Task.Delay(window, time);
        lock (_gathering)
        {
            // Sent already: it filled up before the window ended.
            if (!_gathering.TryGetValue(gathering.Address, out var current) || current != gathering) return;
            _gathering.Remove(gathering.Address);
        }

        await SendAsync(gathering);
    }

    /// <summary>
    /// Sends the gathered tries and tells each waiting caller whether the broker confirmed them. The message's own spans
    /// join the trace of its first try.
    /// </summary>
    private async Task SendAsync(Gathering gathering)
    {
        try
        {
            using var span = DeliveryTelemetry.StartBatchSend(gathering.Tries[0].TraceParent, gathering.Tries[0].TraceState);
            var endpoint = await bus.GetSendEndpoint(gathering.Address);
            var batch = new WebhookDeliveryBatch(gathering.Tries);
            if (gathering.Rung is { } wait)
            {
                var dueAt = gathering.Tries.Max(r => r.Delivery.DueAt);
                await endpoint.Send(batch, context => ExpireAt(context, dueAt, wait));
            }
            else
            {
                await endpoint.Send(batch);
            }

            gathering.Sent.TrySetResult();
            LogSent(logger, gathering.Tries.Count, gathering.Address);
        }
        catch (Exception ex)
        {
            // Each caller's consume fails, so its message is retried and resumes from the log: nothing is lost.
            gathering.Sent.TrySetException(ex);
        }
    }

    /// <summary>
    /// Has the rung let the message go when its last retry is due, not a whole rung after it arrived (the queue's own
    /// TTL): the time between the failed tries and the send (their log write, the gathering window, a busy moment)
    /// would otherwise add to every retry's wait. The latest due time of the batch, so that no retry runs before its
    /// wait is over. A rung expires only its oldest message, so a message due before the one ahead of it waits for
    /// that one, which is due no later than a whole rung after this one's send. The broker drops the expiration when
    /// it dead-letters the message, so it cannot expire again on the retries queue.
    /// </summary>
    private void ExpireAt(SendContext context, DateTimeOffset dueAt, TimeSpan wait)
    {
        if (!context.TryGetPayload<RabbitMqSendContext>(out var rabbit)) return;
        var left = (long)Math.Ceiling((dueAt - time.GetUtcNow()).TotalMilliseconds);
        rabbit.BasicProperties.Expiration = Math.Clamp(left, 1, (long)wait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Runs the same try again a little later, without counting it (the webhook is saturated). Its due time stays,
    /// so the retry lateness metric counts the step aside. A first try comes back to the deliveries queue, a retry
    /// to the retries queue.
    /// </summary>
    public async Task DeferAsync(ConsumeContext context, WebhookDelivery delivery)
    {
        var endpoint = await context.GetSendEndpoint(RetryQueues.StepAsideAddress(delivery.Attempt));
        await endpoint.Send(delivery, context.CancellationToken);
        telemetry.SteppedAside(delivery.Attempt);
    }

    [LoggerMessage(LogLevel.Debug, "{Count} tries sent to {Address} in one message")]
    private static partial void LogSent(ILogger logger, int count, Uri address);

    private sealed class Gathering(Uri address, TimeSpan? rung)
    {
        public Uri Address { get; } = address;

        public TimeSpan? Rung { get; } = rung;

        public List<BatchedTry> Tries { get; } = [];

        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
