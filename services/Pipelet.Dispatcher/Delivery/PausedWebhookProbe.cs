using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Subscriptions;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Runs the paused webhooks, on every instance, each second: reads which webhooks are paused (<see cref="PausedWebhooks"/>);
/// for each one whose probe is due takes the probe (one instance, one try at a time, every
/// <see cref="DeliveryOptions.ProbeInterval"/>) and tries its oldest kept delivery: a success resumes the webhook, a
/// failure takes the delivery's next rung as any failed try does. A probe try takes a token of the webhook's
/// <c>rate_limit</c> like any other try (without one it waits for the next tick), so probes and released deliveries
/// together stay within the limit. Kept deliveries of webhooks no longer paused go to the
/// deliveries queue in confirmed chunks (oldest first), and kept deliveries whose retry ladder has ended are
/// dead-lettered, so a kept delivery ends on the ladder's schedule like any other.
/// </summary>
public sealed partial class PausedWebhookProbe(
    PausedWebhooks paused,
    PausedWebhookStore store,
    DeliveryAttempts attempts,
    WebhookConcurrency concurrency,
    WebhookRateLimiter rateLimiter,
    WebhookDirectory directory,
    IBus bus,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<PausedWebhookProbe> logger) : BackgroundService
{
    private const int Chunk = 500;
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await directory.Ready.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(Tick, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or MassTransitException && !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex.Message);
            }
        }
    }

    private async Task RunOnceAsync(CancellationToken cancellationToken)
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

        // Released in chunks, each confirmed by the broker before it is forgotten; a few per second at most.
        for (var i = 0; i < 10 && await store.ReleaseAsync(Chunk, SendAsync, cancellationToken) == Chunk; i++)
        {
        }

        await store.ExpireAsync(time.GetUtcNow(), Chunk, DeadLetterAsync, cancellationToken);
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

        var result = await attempts.MakeAsync(bus, delivery, webhook, lease, cancellationToken);
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

    private async Task SendAsync(IReadOnlyList<string> deliveries)
    {
        var endpoint = await bus.GetSendEndpoint(RetryQueues.DeliveriesAddress);
        await Task.WhenAll(deliveries.Select(json => endpoint.Send(Read(json))));
    }

    private async Task DeadLetterAsync(IReadOnlyList<string> deliveries)
    {
        foreach (var json in deliveries) await attempts.ExpireHeldAsync(Read(json), CancellationToken.None);
    }

    private static WebhookDelivery Read(string json) => JsonSerializer.Deserialize(json, DispatcherJson.Default.WebhookDelivery)!;

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookId} answered its probe try: resumed, its kept deliveries go out again")]
    private static partial void LogResumed(ILogger logger, long webhookId);

    [LoggerMessage(LogLevel.Warning, "Paused webhooks could not be checked this time: {Message}")]
    private static partial void LogFailed(ILogger logger, string message);
}
