using MassTransit;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Puts the next try of a delivery into the broker: a send to the rung's exchange, whose TTL queue
/// dead-letters it back onto the deliveries queue when the wait is over. The send is confirmed by the
/// broker before it returns (MassTransit's publisher confirms), and only then is the current message
/// acknowledged. The wait costs this process nothing: no timer, no thread, no row lock. Tries handed to
/// another lane (a busy or slow webhook) go out the same confirmed way.
/// <para>
/// Next tries bound for the same rung while that rung's previous send awaits its confirm travel together, as one
/// <see cref="WebhookDeliveryBatch"/> (group commit): a retry costs the broker about as much as a dozen first tries
/// (a quorum queue's publish, its expiry, an at-least-once dead-letter, the delivery and the ack), all of it per
/// message. A lone retry goes at once, as itself; under load a retry waits at most one confirm longer.
/// </para>
/// </summary>
public sealed partial class RetryScheduler(IBus bus, TimeProvider time, DeliveryTelemetry telemetry, ILogger<RetryScheduler> logger)
{
    /// <summary>As many as the gateway puts in one station-event batch: a bounded message.</summary>
    private const int MaxBatch = 64;

    private readonly Dictionary<TimeSpan, Rung> _rungs = [];

    public async Task ScheduleAsync(WebhookDelivery delivery, TimeSpan wait, CancellationToken cancellationToken)
    {
        var next = delivery with { Attempt = delivery.Attempt + 1, DueAt = time.GetUtcNow() + wait };
        Rung? rung;
        Gathering mine;
        Gathering? toSend = null;
        lock (_rungs)
        {
            if (!_rungs.TryGetValue(wait, out rung)) _rungs[wait] = rung = new Rung(wait);
            mine = rung.Open ??= new Gathering();
            mine.Deliveries.Add(next);
            // Nothing in flight to this rung: go now. Full: go too, beside the send in flight.
            if (rung.Sending == 0 || mine.Deliveries.Count >= MaxBatch)
            {
                rung.Open = null;
                rung.Sending++;
                toSend = mine;
            }
        }

        if (toSend is not null) _ = SendAsync(rung, toSend);
        await mine.Sent.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Sends the gathered tries (one on its own, as itself), tells each waiting caller whether the broker confirmed them,
    /// then sends what gathered meanwhile, until nothing did.
    /// </summary>
    private async Task SendAsync(Rung rung, Gathering gathering)
    {
        for (Gathering? current = gathering; current is not null;)
        {
            try
            {
                var endpoint = await bus.GetSendEndpoint(RetryQueues.AddressFor(rung.Wait));
                if (current.Deliveries.Count == 1) await endpoint.Send(current.Deliveries[0]);
                else await endpoint.Send(new WebhookDeliveryBatch(current.Deliveries));
                current.Sent.TrySetResult();
                LogSent(logger, current.Deliveries.Count, (long)rung.Wait.TotalMilliseconds);
            }
            catch (Exception ex)
            {
                // Each caller's consume fails, so its message is retried and resumes from the log: nothing is lost.
                current.Sent.TrySetException(ex);
            }

            lock (_rungs)
            {
                current = rung.Open;
                rung.Open = null;
                if (current is null) rung.Sending--;
            }
        }
    }

    /// <summary>
    /// Runs the same try again a little later, without counting it (the webhook is saturated). Its due time stays,
    /// so the retry lateness metric counts the step aside.
    /// </summary>
    public async Task DeferAsync(ConsumeContext context, WebhookDelivery delivery)
    {
        var endpoint = await context.GetSendEndpoint(RetryQueues.AddressFor(RetryQueues.DeferWait));
        await endpoint.Send(delivery, context.CancellationToken);
        telemetry.SteppedAside();
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

    /// <summary>One rung's sends in flight and the tries gathering for its next send.</summary>
    private sealed class Rung(TimeSpan wait)
    {
        public TimeSpan Wait { get; } = wait;

        public int Sending { get; set; }

        public Gathering? Open { get; set; }
    }

    private sealed class Gathering
    {
        public List<WebhookDelivery> Deliveries { get; } = [];

        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
