using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Ordering;

/// <summary>
/// Tries the heads of the ordered lanes, on every instance: claims lanes whose head is due (one instance per lane at a
/// time, <see cref="OrderedLanes.ClaimAsync"/>) and makes each head's try through <see cref="DeliveryAttempts"/>, as every
/// other try is made (signature, attempt log, Retry-After, auto-disable, pause). A success or a dead letter removes the
/// head and the lane moves on at once; a failure with a rung left makes the head that next try, and the lane waits until
/// it is due: later events of that station for that webhook are held back, while other lanes go on. A try without a slot
/// or a rate-limit token is not made and not counted: the lane is simply looked at again a moment later. While its webhook
/// is paused a lane waits too, except for the probe try it may take, and a head whose ladder ends meanwhile is dead-lettered.
/// A disabled or deleted webhook's lanes are cancelled.
/// </summary>
public sealed partial class OrderedLaneWorker(
    OrderedLanes lanes,
    DeliveryAttempts attempts,
    WebhookDirectory directory,
    WebhookConcurrency concurrency,
    WebhookRateLimiter rateLimiter,
    PausedWebhooks pauses,
    PausedWebhookStore pauseStore,
    RetryLadder ladder,
    IOptions<OrderedDeliveryOptions> options,
    IOptions<DeliveryOptions> delivery,
    IOptions<WebhookSendingOptions> sending,
    TimeProvider time,
    ILogger<OrderedLaneWorker> logger) : BackgroundService
{
    private readonly SemaphoreSlim _kick = new(0, 1);

    /// <summary>Something may be due now (a lane got deliveries, or a head is done): look without waiting for the poll.</summary>
    public void Kick()
    {
        try
        {
            if (_kick.CurrentCount == 0) _kick.Release();
        }
        catch (SemaphoreFullException)
        {
            // Kicked already.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await directory.Ready.WaitAsync(stoppingToken);
        var settings = options.Value;
        using var slots = new SemaphoreSlim(settings.OrderedLanes, settings.OrderedLanes);
        var running = new HashSet<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                running.RemoveWhere(t => t.IsCompleted);
                var free = slots.CurrentCount;
                var claims = free > 0 ? await ClaimAsync(free, stoppingToken) : [];
                foreach (var claim in claims)
                {
                    await slots.WaitAsync(stoppingToken);
                    running.Add(RunAsync(claim, slots, stoppingToken));
                }

                // A full claim may have left more due lanes behind: look again at once.
                if (free > 0 && claims.Count == free) continue;
                await _kick.WaitAsync(settings.OrderedPollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the tries under way end with the token; their lanes' leases run out and another instance goes on.
        }

        await Task.WhenAll(running);
    }

    private async Task<IReadOnlyList<OrderedLanes.Claim>> ClaimAsync(int limit, CancellationToken cancellationToken)
    {
        try
        {
            var now = time.GetUtcNow();
            // Long enough for a whole try: waiting for a slot or token, then the request up to its timeout.
            return await lanes.ClaimAsync(now, limit, now + sending.Value.Timeout + TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            LogClaimFailed(logger, ex.Message);
            return [];
        }
    }

    private async Task RunAsync(OrderedLanes.Claim claim, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            await TryHeadAsync(claim, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The lane stays claimed until its lease runs out, then its head is tried again (here or elsewhere).
            LogLaneFailed(logger, claim.WebhookId, claim.StationId, ex);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task TryHeadAsync(OrderedLanes.Claim claim, CancellationToken cancellationToken)
    {
        var (webhookId, stationId) = (claim.WebhookId, claim.StationId);
        if (claim is not { Seq: { } seq, DeliveryJson: { } json })
        {
            // Emptied meanwhile: the lane goes, unless an append has just filled it again.
            await lanes.RemoveThroughAsync(webhookId, stationId, 0, time.GetUtcNow(), cancellationToken);
            return;
        }

        var head = Read(json);
        var webhook = directory.Find(webhookId);
        if (webhook is not { Settings.Enabled: true })
        {
            if (webhook is null && !directory.WasDeleted(webhookId))
            {
                // Not heard of yet on this instance: another one appended it, our view is a moment behind.
                await lanes.PostponeAsync(webhookId, stationId, time.GetUtcNow() + RetryQueues.DeferWait, cancellationToken);
                return;
            }

            await CancelLaneAsync(webhookId, stationId, cancellationToken);
            return;
        }

        // Disabled and enabled again since this head's last try: that cancelled it, so it is not tried again.
        if (await attempts.WasCancelledAsync(head, webhook, cancellationToken))
        {
            await MoveOnAsync(webhookId, stationId, seq, cancellationToken);
            return;
        }

        var probing = false;
        if (pauses.IsPaused(webhookId))
        {
            var now = time.GetUtcNow();
            if (now >= ladder.EndsFor(head.CreatedAt))
            {
                // Its ladder ended while the webhook stayed paused: dead-lettered like a kept delivery.
                await attempts.ExpireHeldAsync(head, cancellationToken);
                await MoveOnAsync(webhookId, stationId, seq, cancellationToken);
                return;
            }

            // One probe try at a time tells when a paused webhook is back; a lane head serves as well as a kept delivery.
            probing = await pauseStore.TryTakeProbeAsync(webhookId, now, now + delivery.Value.ProbeInterval + TimeSpan.FromSeconds(30), cancellationToken);
            if (!probing)
            {
                // Looked at again at the probe's pace: a paused webhook's many lanes cost a statement each per probe interval.
                await lanes.PostponeAsync(webhookId, stationId, now + delivery.Value.ProbeInterval, cancellationToken);
                return;
            }
        }

        if (webhook.Settings.RateLimit is { } limit && !await rateLimiter.WaitAsync(webhookId, limit, RetryQueues.DeferWait, cancellationToken))
        {
            await NotTriedAsync(webhookId, stationId, probing, cancellationToken);
            return;
        }

        var lease = await concurrency.EnterAsync(webhookId, wait: true, cancellationToken);
        if (lease is null)
        {
            await NotTriedAsync(webhookId, stationId, probing, cancellationToken);
            return;
        }

        var kept = false;
        var result = await attempts.MakeAsync(head, webhook, lease, cancellationToken, async (next, token) =>
        {
            await lanes.KeepNextAsync(webhookId, stationId, seq, JsonSerializer.Serialize(next, DispatcherJson.Default.WebhookDelivery), next.DueAt, token);
            kept = true;
        });

        if (probing)
        {
            if (result.Succeeded) await pauseStore.ResumeAsync(webhookId, cancellationToken);
            else await pauseStore.ProbeFailedAsync(webhookId, time.GetUtcNow() + delivery.Value.ProbeInterval, result.Error, cancellationToken);
        }

        // Delivered, dead-lettered, or cancelled (disabled during the try): the lane moves on.
        if (!kept) await MoveOnAsync(webhookId, stationId, seq, cancellationToken);
    }

    private async Task MoveOnAsync(long webhookId, string stationId, long seq, CancellationToken cancellationToken)
    {
        await lanes.RemoveHeadAsync(webhookId, stationId, seq, time.GetUtcNow(), cancellationToken);
        Kick();
    }

    private async Task NotTriedAsync(long webhookId, string stationId, bool probing, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (probing) await pauseStore.ProbeFailedAsync(webhookId, now + RetryQueues.DeferWait, null, cancellationToken);
        await lanes.PostponeAsync(webhookId, stationId, now + RetryQueues.DeferWait, cancellationToken);
    }

    /// <summary>The webhook was disabled or deleted: every delivery waiting in the lane is cancelled, as its pending retries are.</summary>
    private async Task CancelLaneAsync(long webhookId, string stationId, CancellationToken cancellationToken)
    {
        var waiting = await lanes.ListAsync(webhookId, stationId, cancellationToken);
        foreach (var chunk in waiting.Chunk(500))
        {
            await Task.WhenAll(chunk.Select(row => attempts.CancelAsync(Read(row.DeliveryJson), cancellationToken)));
        }

        await lanes.RemoveThroughAsync(webhookId, stationId, waiting.Count > 0 ? waiting[^1].Seq : 0, time.GetUtcNow(), cancellationToken);
    }

    private static WebhookDelivery Read(string json) => JsonSerializer.Deserialize(json, DispatcherJson.Default.WebhookDelivery)!;

    [LoggerMessage(LogLevel.Warning, "Ordered delivery: could not claim due lanes this time: {Message}")]
    private static partial void LogClaimFailed(ILogger logger, string message);

    [LoggerMessage(LogLevel.Warning, "Ordered delivery: the lane of webhook {WebhookId} and station {StationId} failed; it is tried again when its claim runs out")]
    private static partial void LogLaneFailed(ILogger logger, long webhookId, string stationId, Exception exception);
}
