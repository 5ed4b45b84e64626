using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Pipelet.Dispatcher.Data;

/// <summary>
/// The delivery log's write path. Consumers hand a <see cref="DeliveryRecord"/> to
/// <see cref="WriteAsync"/> and get a task that completes only once the row is committed, so a bus
/// message is acknowledged after its outcome is durable. Background writers drain the channel in
/// batches (one round trip, one implicit transaction per batch): thousands of attempts per second
/// cost a few statements, not thousands. While PostgreSQL is unreachable the batch is retried and
/// the consumers simply wait; their messages stay unacknowledged in the broker.
/// </summary>
public sealed partial class DeliveryLog(NpgsqlDataSource dataSource, IOptions<DeliveryLogOptions> options, ILogger<DeliveryLog> logger) : BackgroundService
{
    private const int MaxBatch = 1000;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(20_000)
    {
        SingleReader = false,
        SingleWriter = false,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public async Task WriteAsync(DeliveryRecord record, CancellationToken cancellationToken)
    {
        var pending = new Pending(record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        await pending.Done.Task.WaitAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.LogWriters).Select(_ => Task.Run(() => WriteLoopAsync(stoppingToken), CancellationToken.None)));

    private async Task WriteLoopAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
                if (batch.Count == 0) continue;
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await WriteWithRetryAsync(batch, stoppingToken);
                LogBatch(logger, batch.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The consumers waiting on these see cancellation; their messages go back to the broker.
            foreach (var item in batch) item.Done.TrySetCanceled(stoppingToken);
            while (_queue.Reader.TryRead(out var item)) item.Done.TrySetCanceled(stoppingToken);
        }
    }

    private async Task WriteWithRetryAsync(List<Pending> batch, CancellationToken stoppingToken)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                await WriteBatchAsync(batch.Select(p => p.Record).ToList(), stoppingToken);
                foreach (var item in batch) item.Done.TrySetResult();
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && !stoppingToken.IsCancellationRequested)
            {
                // PostgreSQL is away: keep the batch, wait, try again; nothing is acknowledged meanwhile.
                if (failures % 10 == 0) LogUnavailable(logger, batch.Count, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * (failures + 1))), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not a passing outage (a bad row): fail these consumers, whose messages MassTransit retries.
                LogRejected(logger, batch.Count, ex);
                foreach (var item in batch) item.Done.TrySetException(ex);
                return;
            }
        }
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException => true, // connection refused, reset, timeout
        TimeoutException or IOException or System.Net.Sockets.SocketException => true,
        _ => false,
    };

    /// <summary>Writes one batch in one round trip; duplicates (a message seen twice) are absorbed.</summary>
    internal async Task WriteBatchAsync(IReadOnlyList<DeliveryRecord> records, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);

        var attempts = records.Where(r => r.Attempt is not null).ToList();
        if (attempts.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO delivery_attempts (delivery_id, attempt, webhook_id, event_id, attempted_at, duration_ms, status_code, error_kind, error, response_body, retry_after)
                SELECT * FROM unnest($1::uuid[], $2::int[], $3::bigint[], $4::uuid[], $5::timestamptz[], $6::float8[], $7::int[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
                ON CONFLICT (delivery_id, attempt) DO NOTHING
                """)
            {
                Parameters =
                {
                    Array(attempts.Select(r => r.DeliveryId), NpgsqlDbType.Uuid),
                    Array(attempts.Select(r => r.Attempt!.Attempt), NpgsqlDbType.Integer),
                    Array(attempts.Select(r => r.WebhookId), NpgsqlDbType.Bigint),
                    Array(attempts.Select(r => r.EventId), NpgsqlDbType.Uuid),
                    Array(attempts.Select(r => r.Attempt!.AttemptedAt), NpgsqlDbType.TimestampTz),
                    Array(attempts.Select(r => r.Attempt!.DurationMs), NpgsqlDbType.Double),
                    Array(attempts.Select(r => r.Attempt!.StatusCode), NpgsqlDbType.Integer),
                    Array(attempts.Select(r => r.Attempt!.ErrorKind), NpgsqlDbType.Text),
                    Array(attempts.Select(r => Clean(r.Attempt!.Error)), NpgsqlDbType.Text),
                    Array(attempts.Select(r => Clean(r.Attempt!.ResponseBody)), NpgsqlDbType.Text),
                    Array(attempts.Select(r => r.Attempt!.RetryAfter), NpgsqlDbType.TimestampTz),
                },
            });
        }

        var latest = Latest(records);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO deliveries AS d (delivery_id, webhook_id, event_id, event, station_id, created_at, status, attempts, last_status_code, last_error, next_attempt_at, updated_at, replay_of)
            SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::int[], $9::int[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::uuid[])
            ON CONFLICT (delivery_id) DO UPDATE SET
                status = EXCLUDED.status, attempts = EXCLUDED.attempts,
                last_status_code = COALESCE(EXCLUDED.last_status_code, CASE WHEN EXCLUDED.attempts = d.attempts THEN d.last_status_code END),
                last_error = COALESCE(EXCLUDED.last_error, CASE WHEN EXCLUDED.attempts = d.attempts THEN d.last_error END),
                next_attempt_at = EXCLUDED.next_attempt_at, updated_at = EXCLUDED.updated_at
            WHERE d.status NOT IN ('succeeded', 'failed', 'cancelled') AND d.attempts <= EXCLUDED.attempts
            """)
        {
            Parameters =
            {
                Array(latest.Select(r => r.DeliveryId), NpgsqlDbType.Uuid),
                Array(latest.Select(r => r.WebhookId), NpgsqlDbType.Bigint),
                Array(latest.Select(r => r.EventId), NpgsqlDbType.Uuid),
                Array(latest.Select(r => r.Event), NpgsqlDbType.Text),
                Array(latest.Select(r => r.StationId), NpgsqlDbType.Text),
                Array(latest.Select(r => r.CreatedAt), NpgsqlDbType.TimestampTz),
                Array(latest.Select(r => r.Status), NpgsqlDbType.Text),
                Array(latest.Select(r => r.Attempts), NpgsqlDbType.Integer),
                Array(latest.Select(r => r.Attempt?.StatusCode), NpgsqlDbType.Integer),
                Array(latest.Select(r => Clean(r.Attempt?.Error)), NpgsqlDbType.Text),
                Array(latest.Select(r => r.NextAttemptAt), NpgsqlDbType.TimestampTz),
                Array(latest.Select(r => r.UpdatedAt), NpgsqlDbType.TimestampTz),
                Array(latest.Select(r => r.ReplayOf), NpgsqlDbType.Uuid),
            },
        });

        var holds = records.Where(r => r.Hold is not null).ToList();
        if (holds.Count > 0)
        {
            // In the same transaction as the 'paused' status: a delivery shown paused is always kept.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO held_deliveries (delivery_id, webhook_id, delivery, held_at, expires_at)
                SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::jsonb[], $4::timestamptz[], $5::timestamptz[])
                ON CONFLICT (delivery_id) DO UPDATE SET delivery = EXCLUDED.delivery, held_at = EXCLUDED.held_at
                """)
            {
                Parameters =
                {
                    Array(holds.Select(r => r.DeliveryId), NpgsqlDbType.Uuid),
                    Array(holds.Select(r => r.WebhookId), NpgsqlDbType.Bigint),
                    Array(holds.Select(r => r.Hold!.DeliveryJson), NpgsqlDbType.Jsonb),
                    Array(holds.Select(r => r.UpdatedAt), NpgsqlDbType.TimestampTz),
                    Array(holds.Select(r => r.Hold!.ExpiresAt), NpgsqlDbType.TimestampTz),
                },
            });
        }

        foreach (var dead in records.Where(r => r.DeadLetter is not null))
        {
            // After the attempts insert above, in the same transaction: the dead letter carries every attempt.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO failed_deliveries (delivery_id, webhook_id, event_id, event, webhook, attempts, failed_at)
                SELECT $1, $2, $3, $4::jsonb, $5::jsonb,
                       COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                    'attempt', a.attempt, 'attempted_at', a.attempted_at, 'duration_ms', a.duration_ms,
                                    'status_code', a.status_code, 'error_kind', a.error_kind, 'error', a.error,
                                    'response_body', a.response_body, 'retry_after', a.retry_after) ORDER BY a.attempt)
                                 FROM delivery_attempts a WHERE a.delivery_id = $1), '[]'::jsonb),
                       $6
                ON CONFLICT (delivery_id) DO NOTHING
                """)
            {
                Parameters =
                {
                    new() { Value = dead.DeliveryId },
                    new() { Value = dead.WebhookId },
                    new() { Value = dead.EventId },
                    new() { Value = dead.DeadLetter!.EventJson },
                    new() { Value = dead.DeadLetter.WebhookJson },
                    new() { Value = dead.UpdatedAt },
                },
            });
        }

        // Several statements in one batch run in one implicit transaction: all or nothing.
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One upsert per delivery: when a batch holds the same delivery twice, the furthest step (most attempts, then a
    /// final status), the first of equals. A pass with a dictionary, not a sort per delivery: this runs for every record.
    /// </summary>
    private static List<DeliveryRecord> Latest(IReadOnlyList<DeliveryRecord> records)
    {
        var latest = new List<DeliveryRecord>(records.Count);
        var positions = new Dictionary<Guid, int>(records.Count);
        foreach (var record in records)
        {
            if (!positions.TryAdd(record.DeliveryId, latest.Count))
            {
                var position = positions[record.DeliveryId];
                if (IsFurther(record, latest[position])) latest[position] = record;
                continue;
            }

            latest.Add(record);
        }

        return latest;
    }

    private static bool IsFurther(DeliveryRecord candidate, DeliveryRecord kept) =>
        candidate.Attempts > kept.Attempts
        || (candidate.Attempts == kept.Attempts && DeliveryStatus.IsFinal(candidate.Status) && !DeliveryStatus.IsFinal(kept.Status));

    private static NpgsqlParameter Array<T>(IEnumerable<T> values, NpgsqlDbType type) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };

    // PostgreSQL text cannot hold NUL; a receiver may well answer with one.
    private static string? Clean(string? text) => text?.Replace("\0", "", StringComparison.Ordinal);

    private sealed record Pending(DeliveryRecord Record, TaskCompletionSource Done);

    [LoggerMessage(LogLevel.Warning, "Delivery log unavailable, holding {Count} records until PostgreSQL is back: {Message}")]
    private static partial void LogUnavailable(ILogger logger, int count, string message);

    [LoggerMessage(LogLevel.Debug, "Wrote {Count} delivery records in {Milliseconds} ms")]
    private static partial void LogBatch(ILogger logger, int count, double milliseconds);

    [LoggerMessage(LogLevel.Error, "Delivery log rejected a batch of {Count} records")]
    private static partial void LogRejected(ILogger logger, int count, Exception exception);
}
