using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Subscriptions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Runs the paused webhooks, on every instance, each second: reads which webhooks are paused (<see cref="PausedWebhooks"/>);
/// for each one whose probe is due takes the probe (one instance, one try at a time, every
/// <see cref="DeliveryOptions.ProbeInterval"/>) and tries its oldest kept delivery: a success resumes the webhook, a
/// failure takes the delivery's next rung as any failed try does. A probe try takes a token of the webhook's
/// <c>rate_limit</c> like any other try (without one it waits for the next tick), so probes and released deliveries
/// together stay within the limit. Apart from the probes (a probe try may take the whole send timeout), kept deliveries
/// whose retry ladder has ended are dead-lettered, so a kept delivery ends on the ladder's schedule like any other, and
/// kept deliveries of webhooks no longer paused go to the deliveries queue in confirmed chunks, oldest first, as fast as
/// the dispatcher takes them: several times a second, the queues it consumes are topped up to
/// <see cref="ReleaseBacklog"/> deliveries, no further. They travel <see cref="RetryScheduler.MaxBatch"/> to a message
/// (<see cref="WebhookDeliveryBatch"/>), as retries do: the broker's cost is per message, and a drain after a long
/// outage has to outrun the events still coming in.
/// </summary>
public sealed partial class PausedWebhookProbe(
    PausedWebhooks paused,
    PausedWebhookStore store,
    DeliveryAttempts attempts,
    WebhookConcurrency concurrency,
    WebhookRateLimiter rateLimiter,
    WebhookDirectory directory,
    IBus bus,
    IConnection broker,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<PausedWebhookProbe> logger) : BackgroundService
{
    private const int Chunk = 500;

    /// <summary>
    /// Deliveries the dispatcher's queues may hold before released deliveries wait: more than the consumers take between
    /// two releases, so they never run dry, and a few MB in the broker. Each instance releases up to it. A waiting message
    /// counts as one delivery, except in the queues the dispatcher consumes, where it may be a batch of released ones.
    /// </summary>
    private const int ReleaseBacklog = 5_000;

    /// <summary>Dead-lettering chunks per release tick at most: a long-paused webhook's kept deliveries expire as fast as they came.</summary>
    private const int ExpiryChunks = 10;

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>How often releases top up the queues: a small backlog goes a long way when refilled often.</summary>
    private static readonly TimeSpan ReleaseTick = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// What released deliveries join, or wait behind: the queues this service consumes and the queue a try steps aside
    /// to (a busy or rate-limited webhook's).
    /// </summary>
    private static readonly IReadOnlyList<string> ReleaseQueues = [.. RetryQueueDepths.ConsumedHere, RetryQueues.ForWait(RetryQueues.DeferWait)];

    /// <summary>Per webhook being released, the position its next chunk starts after (the release loop's alone).</summary>
    private readonly Dictionary<long, long> _releasedUpTo = [];

    /// <summary>Per rate-limited webhook being released, how many it may release now: its limit's worth a second, at most one second's.</summary>
    private readonly Dictionary<long, double> _releaseCredit = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await directory.Ready.WaitAsync(stoppingToken);
        await await Task.WhenAny(EveryTickAsync(Tick, ProbeOnceAsync, stoppingToken), EveryTickAsync(ReleaseTick, ReleaseOnceAsync, stoppingToken));
    }

    private async Task EveryTickAsync(TimeSpan tick, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(tick, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await work(stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or MassTransitException or RabbitMQClientException
                                       && !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex.Message);
            }
        }
    }

    private async Task ProbeOnceAsync(CancellationToken cancellationToken)
    {
        var pauses = await store.ListAsync(cancellationToken);
        paused.Apply(pauses.ToDictionary(p => p.WebhookId, p => p.PausedSince));
        var now = time.GetUtcNow();
        foreach (var pause in pauses.Where(p => p.NextProbeAt <= now))
        {
            if (directory.Find(pause.WebhookId) is not { Settings.Enabled: true })
            {
                // Disabled or deleted: nothing to probe; what it kept is released and dropped as cancelled.
                await store.ResumeAsync(pause.WebhookId, cancellationToken);
                continue;
            }

            if (await store.TryTakeProbeAsync(pause.WebhookId, now, now + options.Value.ProbeInterval + TimeSpan.FromSeconds(30), cancellationToken))
            {
                await ProbeAsync(pause.WebhookId, cancellationToken);
            }
        }
    }

    private async Task ReleaseOnceAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < ExpiryChunks && (await store.ExpireAsync(time.GetUtcNow(), Chunk, DeadLetterAsync, cancellationToken)).Count == Chunk; i++)
        {
        }

        var webhooks = await store.ReleasableAsync(cancellationToken);
        foreach (var gone in _releasedUpTo.Keys.Except(webhooks).ToList()) _releasedUpTo.Remove(gone);
        foreach (var gone in _releaseCredit.Keys.Except(webhooks).ToList()) _releaseCredit.Remove(gone);
        if (webhooks.Count == 0 || await WaitingAsync(cancellationToken) is not { } waiting) return;

        // A chunk of each webhook in turn while the queues have room. A rate-limited webhook releases at its limit:
        // faster, its deliveries would only step aside in the broker until its tokens came, taking the others' room.
        foreach (var webhookId in webhooks)
        {
            if (directory.Find(webhookId)?.Settings.RateLimit is { } rate)
            {
                _releaseCredit[webhookId] = Math.Min(rate, _releaseCredit.GetValueOrDefault(webhookId) + rate * ReleaseTick.TotalSeconds);
            }
            else
            {
                _releaseCredit.Remove(webhookId);
            }
        }

        var room = Math.Min(ReleaseBacklog - waiting.All, ReleaseBacklog - waiting.Consumed * RetryScheduler.MaxBatch);
        var releasing = webhooks.ToList();
        while (room > 0 && releasing.Count > 0)
        {
            foreach (var webhookId in releasing.ToList())
            {
                var credit = _releaseCredit.TryGetValue(webhookId, out var left) ? (long)left : long.MaxValue;
                var limit = (int)Math.Min(Chunk, Math.Min(room, credit));
                var taken = limit <= 0 ? default : await store.ReleaseAsync(webhookId, _releasedUpTo.GetValueOrDefault(webhookId), limit, SendAsync, cancellationToken);
                room -= taken.Count;
                if (_releaseCredit.ContainsKey(webhookId)) _releaseCredit[webhookId] -= taken.Count;
                if (taken.Count == limit && limit > 0)
                {
                    _releasedUpTo[webhookId] = taken.Last;
                    continue;
                }

                // Short: none left after its position (or the rest are another instance's chunks). The next tick starts
                // from its beginning again, which finds any kept since with an earlier position (committed late, or
                // left by an instance that stopped mid-chunk).
                releasing.Remove(webhookId);
                if (limit > 0) _releasedUpTo.Remove(webhookId);
            }
        }
    }

    /// <summary>
    /// Messages now waiting in <see cref="ReleaseQueues"/>, and of them in the queues this service consumes; null when a
    /// queue cannot be read (not declared yet).
    /// </summary>
    private async Task<(long All, long Consumed)?> WaitingAsync(CancellationToken cancellationToken)
    {
        await using var channel = await broker.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            long all = 0, consumed = 0;
            foreach (var queue in ReleaseQueues)
            {
                var messages = await channel.MessageCountAsync(queue, cancellationToken);
                all += messages;
                if (RetryQueueDepths.ConsumedHere.Contains(queue)) consumed += messages;
            }

            return (all, consumed);
        }
        catch (OperationInterruptedException)
        {
            return null;
        }
    }

    private async Task ProbeAsync(long webhookId, CancellationToken cancellationToken)
    {
        var next = time.GetUtcNow() + options.Value.ProbeInterval;
        if (await store.OldestHeldAsync(webhookId, cancellationToken) is not { } held || directory.Find(webhookId) is not { } webhook)
        {
            // Nothing kept to try with yet (its tries are waiting on their rungs): look again later.
            await store.ProbeFailedAsync(webhookId, next, null, cancellationToken);
            return;
        }

        if (webhook.Settings.RateLimit is { } limit && !await rateLimiter.WaitAsync(webhookId, limit, RetryQueues.DeferWait, cancellationToken))
        {
            // Over its rate limit at the moment: the probe is due again at the next tick, with no try made or counted.
            await store.ProbeFailedAsync(webhookId, time.GetUtcNow(), null, cancellationToken);
            return;
        }

        var delivery = Read(held.Json);
        var lease = await concurrency.EnterAsync(webhookId, wait: true, cancellationToken);
        if (lease is null)
        {
            await store.ProbeFailedAsync(webhookId, next, null, cancellationToken);
            return;
        }

        var result = await attempts.MakeAsync(delivery, webhook, lease, cancellationToken);
        await store.DeleteHeldAsync(held.DeliveryId, cancellationToken);
        if (result.Succeeded)
        {
            await store.ResumeAsync(webhookId, cancellationToken);
            LogResumed(logger, webhookId);
        }
        else
        {
            await store.ProbeFailedAsync(webhookId, time.GetUtcNow() + options.Value.ProbeInterval, result.Error, cancellationToken);
        }
    }

    /// <summary>Batches of <see cref="RetryScheduler.MaxBatch"/>, each tried as retries are; kept deliveries carry no trace context.</summary>
    private async Task SendAsync(IReadOnlyList<string> deliveries)
    {
        var endpoint = await bus.GetSendEndpoint(RetryQueues.DeliveriesAddress);
        await Task.WhenAll(deliveries.Chunk(RetryScheduler.MaxBatch).Select(chunk =>
            endpoint.Send(new WebhookDeliveryBatch([.. chunk.Select(json => new BatchedRetry(Read(json), null, null))]))));
    }

    /// <summary>All at once: the delivery log writes them in a batch or two, instead of a round trip each.</summary>
    private Task DeadLetterAsync(IReadOnlyList<string> deliveries) =>
        Task.WhenAll(deliveries.Select(json => attempts.ExpireHeldAsync(Read(json), CancellationToken.None)));

    private static WebhookDelivery Read(string json) => JsonSerializer.Deserialize(json, DispatcherJson.Default.WebhookDelivery)!;

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookId} answered its probe try: resumed, its kept deliveries go out again")]
    private static partial void LogResumed(ILogger logger, long webhookId);

    [LoggerMessage(LogLevel.Warning, "Paused webhooks could not be checked this time: {Message}")]
    private static partial void LogFailed(ILogger logger, string message);
}
