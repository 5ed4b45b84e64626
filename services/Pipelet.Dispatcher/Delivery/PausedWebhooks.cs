using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Data;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// The circuit breaker: a webhook whose last <see cref="DeliveryOptions.PauseAfterFailures"/> tries on an instance all
/// failed is paused for every instance (<c>webhook_pauses</c>). While it is paused its tries, first ones and retries
/// alike, are kept in PostgreSQL without being made (<see cref="DeliveryAttempts.HoldAsync"/>): they take no broker
/// queue, no slot and no CPU, so a dead endpoint cannot fill the broker under a high event rate. One probe try at a time
/// (<see cref="PausedWebhookProbe"/>) tells when it is back; then its kept deliveries go out again. This instance's view
/// of which webhooks are paused is read every second, and set at once when this instance pauses one.
/// </summary>
public sealed partial class PausedWebhooks(
    PausedWebhookStore store,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<PausedWebhooks> logger)
{
    private readonly ConcurrentDictionary<long, int> _failuresInRow = new();
    private volatile IReadOnlyDictionary<long, DateTimeOffset> _paused = new Dictionary<long, DateTimeOffset>();

    public bool IsPaused(long webhookId) => _paused.ContainsKey(webhookId);

    /// <summary>Called after every try: a success ends the webhook's run of failures, a failure that makes it long enough pauses the webhook.</summary>
    public void Observe(long webhookId, AttemptResult result)
    {
        if (result.Succeeded)
        {
            if (_failuresInRow.ContainsKey(webhookId)) _failuresInRow.TryRemove(webhookId, out _);
            return;
        }

        var failures = _failuresInRow.AddOrUpdate(webhookId, 1, static (_, n) => n + 1);
        if (failures == options.Value.PauseAfterFailures && !IsPaused(webhookId)) _ = PauseAsync(webhookId, failures, result.Error);
    }

    private async Task PauseAsync(long webhookId, int failures, string? lastError)
    {
        try
        {
            var now = time.GetUtcNow();
            if (await store.PauseAsync(webhookId, now, now + options.Value.ProbeInterval, lastError, CancellationToken.None))
            {
                LogPaused(logger, webhookId, failures, lastError);
            }

            Apply(new Dictionary<long, DateTimeOffset>(_paused) { [webhookId] = now });
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            // Not paused this time: the next failure past the threshold tries again.
            _failuresInRow.TryUpdate(webhookId, failures - 1, failures);
            LogPauseFailed(logger, webhookId, ex.Message);
        }
    }

    /// <summary>The pauses as PostgreSQL has them now. A webhook that resumed starts a fresh count of failures on this instance.</summary>
    public void Apply(IReadOnlyDictionary<long, DateTimeOffset> paused)
    {
        foreach (var resumed in _paused.Keys.Where(id => !paused.ContainsKey(id))) _failuresInRow.TryRemove(resumed, out _);
        _paused = paused;
    }

    [LoggerMessage(LogLevel.Warning, "Webhook {WebhookId} paused: its last {Failures} tries failed ({LastError}); its deliveries are kept until a probe try succeeds")]
    private static partial void LogPaused(ILogger logger, long webhookId, int failures, string? lastError);

    [LoggerMessage(LogLevel.Warning, "Could not pause webhook {WebhookId}: {Message}")]
    private static partial void LogPauseFailed(ILogger logger, long webhookId, string message);
}
