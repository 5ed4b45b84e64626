using Npgsql;
using NpgsqlTypes;

namespace Pipelet.Gateway.Stations;

/// <summary>
/// The cluster-wide registry in PostgreSQL: which gateway instance holds which station's socket.
/// Commands are routed by it and the stations API lists it. Instances refresh their own row; rows of
/// an instance not seen for <see cref="InstanceExpiry"/> are ignored and then swept (a crashed instance).
/// </summary>
internal sealed class StationDirectory(NpgsqlDataSource dataSource, GatewayInstance instance)
{
    public static readonly TimeSpan InstanceExpiry = TimeSpan.FromSeconds(60);

    private const string LiveJoin = """
        FROM station_connections c
        JOIN gateway_instances i ON i.instance_id = c.instance_id AND i.seen_at > now() - make_interval(secs => $1)
        """;

    /// <summary>Records the session; returns the instance that held the station before, if another one did.</summary>
    public async Task<string?> RecordConnectedAsync(StationSession session, CancellationToken cancellationToken)
    {
        const string sql = """
            WITH previous AS (SELECT instance_id FROM station_connections WHERE station_id = $1)
            INSERT INTO station_connections (station_id, instance_id, session_id, connected_at, last_message_at)
            VALUES ($1, $2, $3, $4, $4)
            ON CONFLICT (station_id) DO UPDATE SET instance_id = EXCLUDED.instance_id, session_id = EXCLUDED.session_id,
                connected_at = EXCLUDED.connected_at, last_message_at = EXCLUDED.last_message_at
            RETURNING (SELECT instance_id FROM previous)
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.StationId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = instance.Id });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = session.SessionId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = session.ConnectedAt });
        var previous = await command.ExecuteScalarAsync(cancellationToken) as string;
        return previous is not null && previous != instance.Id ? previous : null;
    }

    public async Task RecordDisconnectedAsync(StationSession session, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM station_connections WHERE station_id = $1 AND session_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.StationId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = session.SessionId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StationConnection?> FindAsync(string stationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT c.station_id, c.connected_at, c.last_message_at, c.instance_id {LiveJoin} WHERE c.station_id = $2");
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = InstanceExpiry.TotalSeconds });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<StationConnection>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT c.station_id, c.connected_at, c.last_message_at, c.instance_id {LiveJoin} ORDER BY c.station_id");
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = InstanceExpiry.TotalSeconds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<StationConnection>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(Read(reader));
        return list;
    }

    /// <summary>Marks this instance alive and drops stations of instances that are no longer.</summary>
    public async Task RefreshInstanceAsync(DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var expiry = new NpgsqlParameter<double> { TypedValue = InstanceExpiry.TotalSeconds };
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO gateway_instances (instance_id, started_at, seen_at) VALUES ($1, $2, now())
            ON CONFLICT (instance_id) DO UPDATE SET seen_at = now()
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = instance.Id },
                new NpgsqlParameter<DateTimeOffset> { TypedValue = startedAt },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            DELETE FROM station_connections c WHERE NOT EXISTS (
                SELECT 1 FROM gateway_instances i WHERE i.instance_id = c.instance_id AND i.seen_at > now() - make_interval(secs => $1))
            """)
        {
            Parameters = { expiry },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM gateway_instances WHERE seen_at < now() - make_interval(secs => $1 * 10)")
        {
            Parameters = { new NpgsqlParameter<double> { TypedValue = InstanceExpiry.TotalSeconds } },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A fresh start under a reused instance id: nothing of the old process is held any more.</summary>
    public async Task ForgetInstanceStationsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM station_connections WHERE instance_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = instance.Id });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveInstanceAsync(CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM station_connections WHERE instance_id = $1")
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = instance.Id } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM gateway_instances WHERE instance_id = $1")
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = instance.Id } },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One statement for every station that spoke since the last write, instead of one per message.</summary>
    public async Task RecordLastMessagesAsync(IReadOnlyList<StationSession> sessions, CancellationToken cancellationToken)
    {
        if (sessions.Count == 0) return;
        const string sql = """
            UPDATE station_connections c SET last_message_at = u.at
            FROM unnest($1::text[], $2::uuid[], $3::timestamptz[]) AS u(station_id, session_id, at)
            WHERE c.station_id = u.station_id AND c.session_id = u.session_id
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = sessions.Select(s => s.StationId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = sessions.Select(s => s.SessionId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = sessions.Select(s => s.LastMessageAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static StationConnection Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetFieldValue<DateTimeOffset>(1),
        reader.GetFieldValue<DateTimeOffset>(2),
        reader.GetString(3));
}
