using Npgsql;
using NpgsqlTypes;

namespace Pipelet.Dispatcher.Data;

/// <summary>
/// The lanes of ordered delivery (<c>ordered_lanes</c>, <c>ordered_deliveries</c>): per (webhook, station) the deliveries in
/// the order they were appended, of which only the head is ever tried. Shared by every dispatcher instance: a lane is
/// claimed by one instance at a time (<c>FOR UPDATE SKIP LOCKED</c>, then a lease in <c>claimed_until</c>, so no row lock
/// is held while a receiver answers).
/// <para>
/// A lane row exists while its lane holds deliveries. Appending upserts it with <c>DO UPDATE</c>, which waits for the
/// lane row's lock; moving on deletes it, under that lock, only when no delivery of the lane is left. A lane emptied
/// while an append was committing is therefore found again: the append's upsert, once the delete commits, inserts it anew.
/// </para>
/// </summary>
public sealed class OrderedLanes(NpgsqlDataSource dataSource)
{
    public sealed record Appended(Guid DeliveryId, long WebhookId, string StationId, string DeliveryJson);

    /// <summary>A claimed lane and its head (null when the lane turned out empty).</summary>
    public sealed record Claim(long WebhookId, string StationId, long? Seq, string? DeliveryJson);

    /// <summary>
    /// Appends these deliveries, in this order, at the end of their lanes, in one transaction. A delivery already in a
    /// lane, or already in the delivery log (a batch seen again after it was appended and delivered), is not added again.
    /// Returns how many lanes got deliveries.
    /// </summary>
    public async Task<int> AppendAsync(IReadOnlyList<Appended> deliveries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH incoming AS (
                SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS i(delivery_id, webhook_id, station_id, delivery, n)),
            added AS (
                INSERT INTO ordered_deliveries (delivery_id, webhook_id, station_id, delivery)
                SELECT delivery_id, webhook_id, station_id, delivery FROM incoming i
                WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.delivery_id = i.delivery_id)
                ORDER BY n
                ON CONFLICT (delivery_id) DO NOTHING
                RETURNING webhook_id, station_id)
            INSERT INTO ordered_lanes AS l (webhook_id, station_id, due_at)
            SELECT DISTINCT webhook_id, station_id, $5::timestamptz FROM added ORDER BY 1, 2
            ON CONFLICT (webhook_id, station_id) DO UPDATE SET due_at = l.due_at
            """);
        command.Parameters.Add(Array(deliveries.Select(d => d.DeliveryId), NpgsqlDbType.Uuid));
        command.Parameters.Add(Array(deliveries.Select(d => d.WebhookId), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(deliveries.Select(d => d.StationId), NpgsqlDbType.Text));
        command.Parameters.Add(Array(deliveries.Select(d => d.DeliveryJson), NpgsqlDbType.Text));
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Claims up to <paramref name="limit"/> lanes whose head is due and that no instance holds, until <paramref name="until"/>, with their heads.</summary>
    public async Task<IReadOnlyList<Claim>> ClaimAsync(DateTimeOffset now, int limit, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH due AS (
                SELECT webhook_id, station_id FROM ordered_lanes
                WHERE due_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
                ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED),
            claimed AS (
                UPDATE ordered_lanes l SET claimed_until = $3 FROM due
                WHERE l.webhook_id = due.webhook_id AND l.station_id = due.station_id
                RETURNING l.webhook_id, l.station_id)
            SELECT c.webhook_id, c.station_id, h.seq, h.delivery FROM claimed c
            LEFT JOIN LATERAL (
                SELECT seq, delivery FROM ordered_deliveries o
                WHERE o.webhook_id = c.webhook_id AND o.station_id = c.station_id ORDER BY seq LIMIT 1) h ON true
            """);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = until });
        var claims = new List<Claim>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claims.Add(new Claim(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return claims;
    }

    /// <summary>The head's try is over for good (delivered, dead-lettered, cancelled): the lane moves on at once, or goes when empty.</summary>
    public Task RemoveHeadAsync(long webhookId, string stationId, long seq, DateTimeOffset now, CancellationToken cancellationToken) =>
        RemoveThroughAsync(webhookId, stationId, seq, now, cancellationToken);

    /// <summary>
    /// Removes the lane's deliveries up to <paramref name="seq"/> (a cancelled lane's, all at once), releases the lane due
    /// at <paramref name="now"/>, and deletes it if nothing is left.
    /// </summary>
    public async Task RemoveThroughAsync(long webhookId, string stationId, long seq, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        // The lane row first: its lock makes an append wait, so the emptiness seen below is the truth.
        batch.BatchCommands.Add(Lane("UPDATE ordered_lanes SET due_at = $3, claimed_until = NULL WHERE webhook_id = $1 AND station_id = $2", webhookId, stationId, now));
        batch.BatchCommands.Add(Lane("DELETE FROM ordered_deliveries WHERE webhook_id = $1 AND station_id = $2 AND seq <= $3", webhookId, stationId, seq));
        batch.BatchCommands.Add(Lane("""
            DELETE FROM ordered_lanes WHERE webhook_id = $1 AND station_id = $2
            AND NOT EXISTS (SELECT 1 FROM ordered_deliveries o WHERE o.webhook_id = $1 AND o.station_id = $2)
            """, webhookId, stationId));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The head's try failed and the ladder has a next one: the head becomes that try, and the lane waits until it is due.</summary>
    public async Task KeepNextAsync(long webhookId, string stationId, long seq, string deliveryJson, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE ordered_deliveries SET delivery = $2 WHERE seq = $1")
        {
            Parameters = { new() { Value = seq }, new() { Value = deliveryJson } },
        });
        batch.BatchCommands.Add(Lane("UPDATE ordered_lanes SET due_at = $3, claimed_until = NULL WHERE webhook_id = $1 AND station_id = $2", webhookId, stationId, dueAt));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The head was not tried (no slot, no token, webhook paused): the lane is released, due again at <paramref name="dueAt"/>.</summary>
    public async Task PostponeAsync(long webhookId, string stationId, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE ordered_lanes SET due_at = $3, claimed_until = NULL WHERE webhook_id = $1 AND station_id = $2");
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = stationId });
        command.Parameters.Add(new() { Value = dueAt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every delivery of the lane, oldest first (a lane whose webhook is gone or disabled: to be cancelled).</summary>
    public async Task<IReadOnlyList<(long Seq, string DeliveryJson)>> ListAsync(long webhookId, string stationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT seq, delivery FROM ordered_deliveries WHERE webhook_id = $1 AND station_id = $2 ORDER BY seq");
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = stationId });
        var rows = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }

    /// <summary>How many deliveries wait in the webhook's lanes.</summary>
    public async Task<long> CountAsync(long webhookId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM ordered_deliveries WHERE webhook_id = $1");
        command.Parameters.Add(new() { Value = webhookId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static NpgsqlBatchCommand Lane(string sql, long webhookId, string stationId, object? value = null)
    {
        var command = new NpgsqlBatchCommand(sql) { Parameters = { new() { Value = webhookId }, new() { Value = stationId } } };
        if (value is not null) command.Parameters.Add(new() { Value = value });
        return command;
    }

    private static NpgsqlParameter Array<T>(IEnumerable<T> values, NpgsqlDbType type) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };
}
