using System.Text.Json;
using Npgsql;

namespace Pipelet.Dispatcher.Data;

/// <summary>Which of a webhook's deliveries to list: each given field must match (null: any).</summary>
public sealed record DeliveryFilter(string? Status = null, string? Event = null, string? StationId = null);

/// <summary>Reads of the delivery log: what the consumer checks on a redelivery, and what the API shows.</summary>
public sealed class DeliveryLogReader(NpgsqlDataSource dataSource)
{
    public sealed record Progress(string Status, int Attempts);

    public async Task<Progress?> GetProgressAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT status, attempts FROM deliveries WHERE delivery_id = $1");
        command.Parameters.Add(new() { Value = deliveryId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new Progress(reader.GetString(0), reader.GetInt32(1)) : null;
    }

    private const string DeliveryColumns =
        "delivery_id, webhook_id, event_id, event, station_id, status, attempts, created_at, updated_at, next_attempt_at, last_status_code, last_error, replay_of";

    /// <summary>A webhook's deliveries, newest first, matching every filter given (null: any).</summary>
    public async Task<IReadOnlyList<DeliverySummary>> ListDeliveriesAsync(long webhookId, DeliveryFilter filter, Guid? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {DeliveryColumns} FROM deliveries
            WHERE webhook_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR event = $3)
              AND ($4::text IS NULL OR station_id = $4) AND ($5::uuid IS NULL OR delivery_id < $5)
            ORDER BY delivery_id DESC LIMIT $6
            """);
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = (object?)filter.Status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)filter.Event ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)filter.StationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = limit });
        var items = new List<DeliverySummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) items.Add(ReadSummary(reader));
        return items;
    }

    /// <summary>The webhook's delivery counts over <see cref="DeliveryStats.Window"/> and per minute, as of <paramref name="now"/>.</summary>
    public async Task<DeliveryStats> GetStatsAsync(long webhookId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        now = now.ToUniversalTime();
        var since = now - DeliveryStats.Window;
        var firstMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1 - DeliveryStats.MinuteCount);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // One pass over the window: each minute of the chart by status, and the rest of the window as one bucket (null).
        var totals = new Dictionary<string, int>();
        var minutes = new Dictionary<(DateTimeOffset, string), int>();
        await using (var command = new NpgsqlCommand("""
            SELECT CASE WHEN created_at >= $3 THEN date_trunc('minute', created_at) END AS minute, status, count(*)::int
            FROM deliveries WHERE webhook_id = $1 AND created_at >= $2
            GROUP BY 1, 2
            """, connection))
        {
            command.Parameters.Add(new() { Value = webhookId });
            command.Parameters.Add(new() { Value = since });
            command.Parameters.Add(new() { Value = firstMinute });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var status = reader.GetString(1);
                var count = reader.GetInt32(2);
                totals[status] = totals.GetValueOrDefault(status) + count;
                if (!reader.IsDBNull(0)) minutes[(reader.GetFieldValue<DateTimeOffset>(0), status)] = count;
            }
        }

        DeliverySummary? lastError = null;
        await using (var command = new NpgsqlCommand($"""
            SELECT {DeliveryColumns} FROM deliveries
            WHERE webhook_id = $1 AND created_at >= $2 AND last_error IS NOT NULL
            ORDER BY delivery_id DESC LIMIT 1
            """, connection))
        {
            command.Parameters.Add(new() { Value = webhookId });
            command.Parameters.Add(new() { Value = since });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken)) lastError = ReadSummary(reader);
        }

        var perMinute = Enumerable.Range(0, DeliveryStats.MinuteCount).Select(i =>
        {
            var minute = firstMinute.AddMinutes(i);
            int In(string status) => minutes.GetValueOrDefault((minute, status));
            return new MinuteCounts(minute, In(DeliveryStatus.Succeeded), In(DeliveryStatus.Retrying), In(DeliveryStatus.Paused),
                In(DeliveryStatus.Failed), In(DeliveryStatus.Cancelled));
        }).ToList();
        var counts = new DeliveryCounts(totals.GetValueOrDefault(DeliveryStatus.Succeeded), totals.GetValueOrDefault(DeliveryStatus.Retrying),
            totals.GetValueOrDefault(DeliveryStatus.Paused), totals.GetValueOrDefault(DeliveryStatus.Failed), totals.GetValueOrDefault(DeliveryStatus.Cancelled));
        return new DeliveryStats(webhookId, since, counts, lastError, perMinute);
    }

    public async Task<DeliveryDetail?> GetDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        DeliverySummary summary;
        await using (var command = new NpgsqlCommand($"SELECT {DeliveryColumns} FROM deliveries WHERE delivery_id = $1", connection))
        {
            command.Parameters.Add(new() { Value = deliveryId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return null;
            summary = ReadSummary(reader);
        }

        var attempts = new List<AttemptView>();
        await using (var command = new NpgsqlCommand("""
            SELECT attempt, attempted_at, duration_ms, status_code, error_kind, error, response_body, retry_after
            FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt
            """, connection))
        {
            command.Parameters.Add(new() { Value = deliveryId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                attempts.Add(new AttemptView(
                    reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), Math.Round(reader.GetDouble(2), 1),
                    reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)));
            }
        }

        return DeliveryDetail.From(summary, attempts);
    }

    public async Task<IReadOnlyList<FailedDeliveryView>> ListFailedAsync(long? webhookId, Guid? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {FailedColumns} FROM failed_deliveries
            WHERE ($1::bigint IS NULL OR webhook_id = $1) AND ($2::uuid IS NULL OR delivery_id < $2)
            ORDER BY delivery_id DESC LIMIT $3
            """);
        command.Parameters.Add(new() { Value = (object?)webhookId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = limit });
        var items = new List<FailedDeliveryView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) items.Add(ReadFailed(reader));
        return items;
    }

    public async Task<FailedDeliveryView?> GetFailedAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {FailedColumns} FROM failed_deliveries WHERE delivery_id = $1");
        command.Parameters.Add(new() { Value = deliveryId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadFailed(reader) : null;
    }

    private const string FailedColumns =
        "delivery_id, webhook_id, event_id, event::text, webhook::text, attempts::text, failed_at, retried_at, retry_delivery_id";

    private static FailedDeliveryView ReadFailed(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetInt64(1), reader.GetGuid(2),
        JsonDocument.Parse(reader.GetString(3)).RootElement.Clone(),
        JsonDocument.Parse(reader.GetString(4)).RootElement.Clone(),
        JsonDocument.Parse(reader.GetString(5)).RootElement.Clone(),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        reader.IsDBNull(8) ? null : reader.GetGuid(8));

    private static DeliverySummary ReadSummary(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4),
        reader.GetString(5), reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8),
        reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
        reader.IsDBNull(10) ? null : reader.GetInt32(10),
        reader.IsDBNull(11) ? null : reader.GetString(11),
        reader.IsDBNull(12) ? null : reader.GetGuid(12));
}
