using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Data;

/// <summary>
/// Counts each webhook's run of failed tries for the auto-disable rule, across every dispatcher instance. A try's
/// outcome is tallied in memory (a lock per webhook, no I/O on the delivery path) and every instance adds its tallies
/// to the shared <c>webhook_failures</c> row about once a second: one statement for every webhook tried meanwhile.
/// A success anywhere ends the run. Losing a second of tallies in a crash only delays a disable that takes days.
/// </summary>
public sealed partial class WebhookFailureLog(NpgsqlDataSource dataSource, TimeProvider time, ILogger<WebhookFailureLog> logger) : BackgroundService
{
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<long, Tally> _tallies = new();
    private readonly ConcurrentQueue<long> _resets = new();

    /// <summary>One try of the webhook ended (at <paramref name="at"/>): a success ends its run of failures, a failure extends it.</summary>
    public void Observe(long webhookId, AttemptResult result, DateTimeOffset at)
    {
        var tally = _tallies.GetOrAdd(webhookId, static _ => new Tally());
        lock (tally)
        {
            if (result.Succeeded)
            {
                if (tally.LastSuccessAt is not { } last || at > last) tally.LastSuccessAt = at;
                tally.FailuresAfterSuccess = 0;
                tally.FailingSince = null;
                tally.LastError = null;
            }
            else
            {
                tally.FailuresAfterSuccess++;
                if (tally.FailingSince is not { } since || at < since) tally.FailingSince = at;
                tally.LastError = result.Error;
            }

            tally.Dirty = true;
        }
    }

    /// <summary>The webhook was enabled again: its run of failures starts from nothing (here and in the shared row).</summary>
    public void Reset(long webhookId)
    {
        if (_tallies.TryGetValue(webhookId, out var tally))
        {
            lock (tally)
            {
                tally.FailuresAfterSuccess = 0;
                tally.FailingSince = null;
                tally.LastError = null;
                tally.Dirty = false;
            }
        }

        _resets.Enqueue(webhookId);
    }

    /// <summary>Webhooks with at least <paramref name="minFailures"/> failed tries in a row and no success since <paramref name="failingBefore"/> or earlier.</summary>
    public async Task<IReadOnlyList<FailingWebhook>> FindFailingAsync(int minFailures, DateTimeOffset failingBefore, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT webhook_id, failing_since, failures_in_row, last_error FROM webhook_failures
            WHERE failures_in_row >= $1 AND failing_since <= $2
            """);
        command.Parameters.Add(new() { Value = minFailures });
        command.Parameters.Add(new() { Value = failingBefore });
        var failing = new List<FailingWebhook>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            failing.Add(new FailingWebhook(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return failing;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FlushAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                // The tallies taken for this flush are lost; that only delays a disable by as many tries.
                LogFlushFailed(logger, ex.Message);
            }
        }
    }

    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var resets = new HashSet<long>();
        while (_resets.TryDequeue(out var id)) resets.Add(id);
        var rows = new List<(long WebhookId, DateTimeOffset? LastSuccessAt, DateTimeOffset? FailingSince, int Failures, string? LastError)>();
        foreach (var (webhookId, tally) in _tallies)
        {
            lock (tally)
            {
                if (!tally.Dirty) continue;
                rows.Add((webhookId, tally.LastSuccessAt, tally.FailingSince, tally.FailuresAfterSuccess, tally.LastError));
                tally.LastSuccessAt = null;
                tally.FailingSince = null;
                tally.FailuresAfterSuccess = 0;
                tally.LastError = null;
                tally.Dirty = false;
            }
        }

        if (rows.Count == 0 && resets.Count == 0) return;
        rows.Sort((a, b) => a.WebhookId.CompareTo(b.WebhookId)); // one lock order for every instance: no deadlock
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        if (resets.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "UPDATE webhook_failures SET failures_in_row = 0, failing_since = NULL, last_error = NULL, updated_at = $2 WHERE webhook_id = ANY($1)")
            {
                Parameters = { new() { Value = resets.ToArray() }, new() { Value = time.GetUtcNow() } },
            });
        }

        if (rows.Count > 0)
        {
            // A success in this flush ends the run: the row then holds only the failures after it. Otherwise the
            // failures add to the run. GREATEST and LEAST ignore nulls.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO webhook_failures AS f (webhook_id, last_success_at, failing_since, failures_in_row, last_error, updated_at)
                SELECT id, success, since, n, err, $6 FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::int[], $5::text[]) AS t(id, success, since, n, err)
                ON CONFLICT (webhook_id) DO UPDATE SET
                    last_success_at = GREATEST(f.last_success_at, EXCLUDED.last_success_at),
                    failures_in_row = CASE WHEN EXCLUDED.last_success_at IS NOT NULL THEN EXCLUDED.failures_in_row ELSE f.failures_in_row + EXCLUDED.failures_in_row END,
                    failing_since = CASE WHEN EXCLUDED.last_success_at IS NOT NULL THEN EXCLUDED.failing_since ELSE LEAST(f.failing_since, EXCLUDED.failing_since) END,
                    last_error = CASE WHEN EXCLUDED.failures_in_row > 0 THEN EXCLUDED.last_error ELSE f.last_error END,
                    updated_at = EXCLUDED.updated_at
                """)
            {
                Parameters =
                {
                    new() { Value = rows.Select(r => r.WebhookId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                    new() { Value = rows.Select(r => r.LastSuccessAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
                    new() { Value = rows.Select(r => r.FailingSince).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
                    new() { Value = rows.Select(r => r.Failures).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer },
                    new() { Value = rows.Select(r => r.LastError?.Replace("\0", "", StringComparison.Ordinal)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                    new() { Value = time.GetUtcNow() },
                },
            });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed class Tally
    {
        public DateTimeOffset? LastSuccessAt;
        public DateTimeOffset? FailingSince;
        public int FailuresAfterSuccess;
        public string? LastError;
        public bool Dirty;
    }

    [LoggerMessage(LogLevel.Warning, "Could not record webhook failure counts: {Message}")]
    private static partial void LogFlushFailed(ILogger logger, string message);
}

/// <summary>A webhook whose tries have failed <see cref="Failures"/> times in a row since <see cref="Since"/>.</summary>
public sealed record FailingWebhook(long WebhookId, DateTimeOffset Since, int Failures, string? LastError);
