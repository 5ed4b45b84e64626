using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace Pipelet.Dispatcher.Data;

/// <summary>
/// Marks a webhook's pending retries <c>cancelled</c> in the delivery log as soon as this instance learns that
/// the webhook was disabled or deleted; otherwise the log would say <c>retrying</c> until each retry came off
/// its rung (up to the longest rung, 24 h by default). The retries stay in their rung queues and are dropped
/// when they arrive, as before: the log then already says cancelled, so that drop writes nothing.
/// <para>
/// One set-based statement per batch of changes, off the change consumer's path (it must not wait for
/// PostgreSQL). Idempotent, so every instance runs it for every change. Only rows last written before this
/// instance applied the change are touched: a try in flight at that moment writes after it and is cancelled
/// by the delivery attempts, which looks at the directory again after logging a failure. A try that
/// writes after the statement cannot undo it: the log's upsert never leaves a final status.
/// </para>
/// </summary>
public sealed partial class RetryCancellation(NpgsqlDataSource dataSource, TimeProvider time, ILogger<RetryCancellation> logger) : BackgroundService
{
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>The webhook has just stopped taking deliveries on this instance: cancel its retries pending until now.</summary>
    public void Cancel(long webhookId)
    {
        LogStopped(logger, webhookId);
        _queue.Writer.TryWrite(new Request(webhookId, time.GetUtcNow()));
    }

    /// <summary>
    /// A full read of the webhook list found these disabled or deleted (changes this instance missed, or every
    /// disabled webhook on its first read): one log line for them all.
    /// </summary>
    public void CancelMissed(IReadOnlyCollection<long> webhookIds)
    {
        if (webhookIds.Count == 0) return;
        LogMissed(logger, webhookIds.Count);
        var now = time.GetUtcNow();
        foreach (var webhookId in webhookIds) _queue.Writer.TryWrite(new Request(webhookId, now));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Request>();
        while (await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            while (_queue.Reader.TryRead(out var request)) batch.Add(request);
            for (var failures = 0; ; failures++)
            {
                try
                {
                    var cancelled = await CancelAsync(batch, stoppingToken);
                    if (cancelled > 0) LogCancelled(logger, cancelled, string.Join(", ", batch.Select(r => r.WebhookId).Distinct()));
                    break;
                }
                catch (NpgsqlException ex) when (ex.IsTransient && !stoppingToken.IsCancellationRequested)
                {
                    // PostgreSQL is away: try again; meanwhile the late drop still cancels each retry as it arrives.
                    if (failures % 10 == 0) LogUnavailable(logger, ex.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * (failures + 1))), time, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Not a passing outage: leave these to the late drop rather than retry forever.
                    LogFailed(logger, ex);
                    break;
                }
            }
        }
    }

    /// <summary>Cancels the retrying deliveries of these webhooks last written at or before each one's cutoff; returns how many.</summary>
    internal async Task<int> CancelAsync(IReadOnlyList<Request> requests, CancellationToken cancellationToken)
    {
        // The deliveries kept while the webhook was paused go too (and its pause): nothing is to be sent to it.
        await using var command = dataSource.CreateCommand($"""
            WITH held AS (
                DELETE FROM held_deliveries h USING unnest($1::bigint[], $2::timestamptz[]) AS c(webhook_id, cutoff)
                WHERE h.webhook_id = c.webhook_id AND h.held_at <= c.cutoff
                RETURNING h.delivery_id),
            unpaused AS (DELETE FROM webhook_pauses p WHERE p.webhook_id = ANY($1)),
            kept AS (
                UPDATE deliveries d SET status = '{DeliveryStatus.Cancelled}', next_attempt_at = NULL, updated_at = $3
                FROM held WHERE d.delivery_id = held.delivery_id AND d.status = '{DeliveryStatus.Paused}'
                RETURNING 1)
            UPDATE deliveries d SET status = '{DeliveryStatus.Cancelled}', next_attempt_at = NULL, updated_at = $3
            FROM unnest($1::bigint[], $2::timestamptz[]) AS c(webhook_id, cutoff)
            WHERE d.webhook_id = c.webhook_id AND d.status = '{DeliveryStatus.Retrying}' AND d.updated_at <= c.cutoff
            """);
        command.Parameters.Add(new() { Value = requests.Select(r => r.WebhookId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = requests.Select(r => r.Cutoff).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal sealed record Request(long WebhookId, DateTimeOffset Cutoff);

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookId} is disabled or deleted: this instance delivers nothing more to it and cancels its pending retries")]
    private static partial void LogStopped(ILogger logger, long webhookId);

    [LoggerMessage(LogLevel.Information, "The webhook list shows {Count} webhooks disabled or deleted that this instance had not seen so: cancelling their pending retries")]
    private static partial void LogMissed(ILogger logger, int count);

    [LoggerMessage(LogLevel.Information, "Cancelled {Count} pending retries of disabled or deleted webhooks {WebhookIds}")]
    private static partial void LogCancelled(ILogger logger, int count, string webhookIds);

    [LoggerMessage(LogLevel.Warning, "Could not cancel pending retries, PostgreSQL unavailable; trying again: {Message}")]
    private static partial void LogUnavailable(ILogger logger, string message);

    [LoggerMessage(LogLevel.Error, "Could not cancel pending retries; they are cancelled as each comes off its rung instead")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
