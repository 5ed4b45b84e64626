using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Pipelet.Dispatcher.Data;

/// <summary>
/// The delivery log's write path. Consumers hand a <see cref="DeliveryRecord"/> to
/// <see cref="WriteAsync"/> and get a task that completes only once the row is committed, so a bus
/// message is acknowledged after its outcome is durable. Records gather in batches (one round trip, one
/// implicit transaction per batch, one completion for all its records): thousands of attempts per second
/// cost a few statements, not thousands. Background writers each commit one batch at a time; a writer takes
/// whatever gathered while it was busy. While PostgreSQL is unreachable the batch is retried and the
/// consumers simply wait; their messages stay unacknowledged in the broker.
/// </summary>
public sealed partial class DeliveryLog(NpgsqlDataSource dataSource, IOptions<DeliveryLogOptions> options, ILogger<DeliveryLog> logger) : BackgroundService
{
    private const int MaxBatch = 1000;

    /// <summary>Records waiting for a writer at most; beyond it <see cref="WriteAsync"/> waits for room.</summary>
    private const int Capacity = 20_000;

    private readonly Lock _gate = new();
    private readonly Queue<Batch> _full = new();
    private Batch _open = new();
    private int _waiting;
    private TaskCompletionSource? _room;
    private bool _stopped;

    /// <summary>One signal per batch that got its first record: a writer takes one batch per signal.</summary>
    private readonly SemaphoreSlim _ready = new(0);

    public Task WriteAsync(DeliveryRecord record, CancellationToken cancellationToken)
    {
        Task done;
        bool first;
        lock (_gate)
        {
            if (_waiting >= Capacity || _stopped) return WriteWhenRoomAsync(record, cancellationToken);
            (done, first) = Add(record);
        }

        if (first) _ready.Release();
        return cancellationToken.CanBeCanceled ? done.WaitAsync(cancellationToken) : done;
    }

    private async Task WriteWhenRoomAsync(DeliveryRecord record, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task? room = null, done = null;
            var first = false;
            lock (_gate)
            {
                if (_stopped) throw new OperationCanceledException("The delivery log is stopping.");
                if (_waiting < Capacity) (done, first) = Add(record);
                else room = (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            if (done is not null)
            {
                if (first) _ready.Release();
                await done.WaitAsync(cancellationToken);
                return;
            }

            await room!.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Under the gate: the record joins the open batch; true when it is that batch's first.</summary>
    private (Task Done, bool First) Add(DeliveryRecord record)
    {
        if (_open.Records.Count == MaxBatch)
        {
            _full.Enqueue(_open);
            _open = new Batch();
        }

        _open.Records.Add(record);
        _waiting++;
        return (_open.Done.Task, _open.Records.Count == 1);
    }

    /// <summary>The oldest batch with records, taken from the gate; null if another writer took it.</summary>
    private Batch? Take()
    {
        Batch? batch = null;
        TaskCompletionSource? room = null;
        lock (_gate)
        {
            if (_full.Count > 0) batch = _full.Dequeue();
            else if (_open.Records.Count > 0)
            {
                batch = _open;
                _open = new Batch();
            }

            if (batch is not null)
            {
                _waiting -= batch.Records.Count;
                (room, _room) = (_room, null);
            }
        }

        room?.TrySetResult();
        return batch;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.LogWriters).Select(_ => Task.Run(() => WriteLoopAsync(stoppingToken), CancellationToken.None)));

    private async Task WriteLoopAsync(CancellationToken stoppingToken)
    {
        Batch? batch = null;
        try
        {
            while (true)
            {
                await _ready.WaitAsync(stoppingToken);
                batch = Take();
                if (batch is null) continue;
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await WriteWithRetryAsync(batch, stoppingToken);
                LogBatch(logger, batch.Records.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                batch = null;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The consumers waiting on these see cancellation; their messages go back to the broker.
            batch?.Done.TrySetCanceled(stoppingToken);
            List<Batch> left = [];
            TaskCompletionSource? room;
            lock (_gate)
            {
                _stopped = true;
                left.AddRange(_full);
                _full.Clear();
                left.Add(_open);
                _open = new Batch();
                _waiting = 0;
                (room, _room) = (_room, null);
            }

            foreach (var item in left) item.Done.TrySetCanceled(stoppingToken);
            room?.TrySetResult();
        }
    }

    private async Task WriteWithRetryAsync(Batch batch, CancellationToken stoppingToken)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                await WriteBatchAsync(batch.Records, stoppingToken);
                batch.Done.TrySetResult();
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && !stoppingToken.IsCancellationRequested)
            {
                // PostgreSQL is away: keep the batch, wait, try again; nothing is acknowledged meanwhile.
                if (failures % 10 == 0) LogUnavailable(logger, batch.Records.Count, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * (failures + 1))), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not a passing outage (a bad row): fail these consumers, whose messages MassTransit retries.
                LogRejected(logger, batch.Records.Count, ex);
                batch.Done.TrySetException(ex);
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

    /// <summary>
    /// Writes one batch in one round trip and one transaction. Most records are a delivery's first try, whose rows do
    /// not exist yet: they are plain inserts, as cheap as PostgreSQL writes a row (an upsert costs a speculative
    /// insertion with its own WAL record per row, and a conflict check per index). A message seen twice (redelivered
    /// after its commit, or a kept delivery whose message does not say it was kept) then breaks a unique key, which rolls the whole batch back:
    /// it is written again with statements that absorb duplicates.
    /// </summary>
    internal async Task WriteBatchAsync(IReadOnlyList<DeliveryRecord> records, CancellationToken cancellationToken)
    {
        var latest = Latest(records);
        try
        {
            await WriteBatchAsync(records, latest, absorbDuplicates: false, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            LogDuplicates(logger, records.Count, ex.ConstraintName);
            await WriteBatchAsync(records, latest, absorbDuplicates: true, cancellationToken);
        }
    }

    private async Task WriteBatchAsync(IReadOnlyList<DeliveryRecord> records, List<DeliveryRecord> latest, bool absorbDuplicates, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);

        var attempts = new List<DeliveryRecord>(records.Count);
        foreach (var record in records)
        {
            if (record.Attempt is not null) attempts.Add(record);
        }

        if (attempts.Count > 0) batch.BatchCommands.Add(AttemptRows(attempts, absorbDuplicates));

        // A delivery's first row goes in plainly; later steps update it (only forward: never past a final status).
        var fresh = new List<DeliveryRecord>(latest.Count);
        var later = new List<DeliveryRecord>();
        foreach (var record in latest) (!absorbDuplicates && IsFirstStep(record) ? fresh : later).Add(record);
        if (fresh.Count > 0) batch.BatchCommands.Add(DeliveryRows(fresh, upsert: false));
        if (later.Count > 0) batch.BatchCommands.Add(DeliveryRows(later, upsert: true));

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

    /// <summary>A delivery's first try: its rows are new unless its message was seen before (a kept one's row is not).</summary>
    private static bool IsFirstStep(DeliveryRecord record) =>
        record.Attempt is { Attempt: 1 } && record.Attempts == 1 && record.Hold is null && !record.Kept;

    private static NpgsqlBatchCommand AttemptRows(List<DeliveryRecord> attempts, bool absorbDuplicates)
    {
        var n = attempts.Count;
        var deliveryIds = new Guid[n];
        var numbers = new int[n];
        var webhookIds = new long[n];
        var eventIds = new Guid[n];
        var attemptedAt = new DateTimeOffset[n];
        var durations = new double[n];
        var statusCodes = new int?[n];
        var errorKinds = new string?[n];
        var errors = new string?[n];
        var responseBodies = new string?[n];
        var retryAfter = new DateTimeOffset?[n];
        for (var i = 0; i < n; i++)
        {
            var record = attempts[i];
            var attempt = record.Attempt!;
            deliveryIds[i] = record.DeliveryId;
            numbers[i] = attempt.Attempt;
            webhookIds[i] = record.WebhookId;
            eventIds[i] = record.EventId;
            attemptedAt[i] = attempt.AttemptedAt;
            durations[i] = attempt.DurationMs;
            statusCodes[i] = attempt.StatusCode;
            errorKinds[i] = attempt.ErrorKind;
            errors[i] = Clean(attempt.Error);
            responseBodies[i] = Clean(attempt.ResponseBody);
            retryAfter[i] = attempt.RetryAfter;
        }

        return new NpgsqlBatchCommand(absorbDuplicates ? InsertAttempts + " ON CONFLICT (delivery_id, attempt) DO NOTHING" : InsertAttempts)
        {
            Parameters =
            {
                Array(deliveryIds, NpgsqlDbType.Uuid), Array(numbers, NpgsqlDbType.Integer), Array(webhookIds, NpgsqlDbType.Bigint),
                Array(eventIds, NpgsqlDbType.Uuid), Array(attemptedAt, NpgsqlDbType.TimestampTz), Array(durations, NpgsqlDbType.Double),
                Array(statusCodes, NpgsqlDbType.Integer), Array(errorKinds, NpgsqlDbType.Text), Array(errors, NpgsqlDbType.Text),
                Array(responseBodies, NpgsqlDbType.Text), Array(retryAfter, NpgsqlDbType.TimestampTz),
            },
        };
    }

    private static NpgsqlBatchCommand DeliveryRows(List<DeliveryRecord> deliveries, bool upsert)
    {
        var n = deliveries.Count;
        var deliveryIds = new Guid[n];
        var webhookIds = new long[n];
        var eventIds = new Guid[n];
        var events = new string[n];
        var stationIds = new string[n];
        var createdAt = new DateTimeOffset[n];
        var statuses = new string[n];
        var attemptCounts = new int[n];
        var lastStatusCodes = new int?[n];
        var lastErrors = new string?[n];
        var nextAttemptAt = new DateTimeOffset?[n];
        var updatedAt = new DateTimeOffset[n];
        var replayOf = new Guid?[n];
        for (var i = 0; i < n; i++)
        {
            var record = deliveries[i];
            deliveryIds[i] = record.DeliveryId;
            webhookIds[i] = record.WebhookId;
            eventIds[i] = record.EventId;
            events[i] = record.Event;
            stationIds[i] = record.StationId;
            createdAt[i] = record.CreatedAt;
            statuses[i] = record.Status;
            attemptCounts[i] = record.Attempts;
            lastStatusCodes[i] = record.Attempt?.StatusCode;
            lastErrors[i] = Clean(record.Attempt?.Error);
            nextAttemptAt[i] = record.NextAttemptAt;
            updatedAt[i] = record.UpdatedAt;
            replayOf[i] = record.ReplayOf;
        }

        return new NpgsqlBatchCommand(upsert ? UpsertDeliveries : InsertDeliveries)
        {
            Parameters =
            {
                Array(deliveryIds, NpgsqlDbType.Uuid), Array(webhookIds, NpgsqlDbType.Bigint), Array(eventIds, NpgsqlDbType.Uuid),
                Array(events, NpgsqlDbType.Text), Array(stationIds, NpgsqlDbType.Text), Array(createdAt, NpgsqlDbType.TimestampTz),
                Array(statuses, NpgsqlDbType.Text), Array(attemptCounts, NpgsqlDbType.Integer), Array(lastStatusCodes, NpgsqlDbType.Integer),
                Array(lastErrors, NpgsqlDbType.Text), Array(nextAttemptAt, NpgsqlDbType.TimestampTz), Array(updatedAt, NpgsqlDbType.TimestampTz),
                Array(replayOf, NpgsqlDbType.Uuid),
            },
        };
    }

    private const string InsertAttempts = """
        INSERT INTO delivery_attempts (delivery_id, attempt, webhook_id, event_id, attempted_at, duration_ms, status_code, error_kind, error, response_body, retry_after)
        SELECT * FROM unnest($1::uuid[], $2::int[], $3::bigint[], $4::uuid[], $5::timestamptz[], $6::float8[], $7::int[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
        """;

    private const string InsertDeliveries = """
        INSERT INTO deliveries AS d (delivery_id, webhook_id, event_id, event, station_id, created_at, status, attempts, last_status_code, last_error, next_attempt_at, updated_at, replay_of)
        SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::int[], $9::int[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::uuid[])
        """;

    private const string UpsertDeliveries = InsertDeliveries + """

        ON CONFLICT (delivery_id) DO UPDATE SET
            status = EXCLUDED.status, attempts = EXCLUDED.attempts,
            last_status_code = COALESCE(EXCLUDED.last_status_code, CASE WHEN EXCLUDED.attempts = d.attempts THEN d.last_status_code END),
            last_error = COALESCE(EXCLUDED.last_error, CASE WHEN EXCLUDED.attempts = d.attempts THEN d.last_error END),
            next_attempt_at = EXCLUDED.next_attempt_at, updated_at = EXCLUDED.updated_at
        WHERE d.status NOT IN ('succeeded', 'failed', 'cancelled') AND d.attempts <= EXCLUDED.attempts
        """;

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

    private static NpgsqlParameter Array<T>(T[] values, NpgsqlDbType type) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type };

    private static NpgsqlParameter Array<T>(IEnumerable<T> values, NpgsqlDbType type) => Array(values.ToArray(), type);

    // PostgreSQL text cannot hold NUL; a receiver may well answer with one.
    private static string? Clean(string? text) => text?.Replace("\0", "", StringComparison.Ordinal);

    /// <summary>Records committed together, and the one completion their consumers wait on.</summary>
    private sealed class Batch
    {
        public List<DeliveryRecord> Records { get; } = new(32);

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(LogLevel.Warning, "Delivery log unavailable, holding {Count} records until PostgreSQL is back: {Message}")]
    private static partial void LogUnavailable(ILogger logger, int count, string message);

    [LoggerMessage(LogLevel.Debug, "A batch of {Count} delivery records held a step already logged ({Constraint}): written again, absorbing duplicates")]
    private static partial void LogDuplicates(ILogger logger, int count, string? constraint);

    [LoggerMessage(LogLevel.Debug, "Wrote {Count} delivery records in {Milliseconds} ms")]
    private static partial void LogBatch(ILogger logger, int count, double milliseconds);

    [LoggerMessage(LogLevel.Error, "Delivery log rejected a batch of {Count} records")]
    private static partial void LogRejected(ILogger logger, int count, Exception exception);
}
