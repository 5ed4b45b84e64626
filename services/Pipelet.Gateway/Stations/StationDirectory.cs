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

    /// <summary>
    /// Records the opened sessions, removes the ended ones and writes the last-message times of those that
    /// spoke, in one round trip (one transaction). A row newer than a session (the station connected
    /// again elsewhere meanwhile) is left alone and the session comes back as superseded.
    /// </summary>
    public async Task<StationDirectoryChanges> ApplyAsync(
        IReadOnlyCollection<StationSession> connected, IReadOnlyList<StationSession> disconnected,
        IReadOnlyCollection<StationSession> spoke, CancellationToken cancellationToken)
    {
        if (connected.Count == 0 && disconnected.Count == 0 && spoke.Count == 0) return StationDirectoryChanges.None;

        // previous_instance_id is taken from the row the upsert locked, not from a snapshot: two instances
        // writing the same station at once still agree on who replaced whom.
        const string upsert = """
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[]) AS u(station_id, session_id, connected_at)),
            recorded AS (
                INSERT INTO station_connections (station_id, instance_id, session_id, connected_at, last_message_at)
                SELECT station_id, $4, session_id, connected_at, connected_at FROM input
                ON CONFLICT (station_id) DO UPDATE SET previous_instance_id = station_connections.instance_id,
                    instance_id = EXCLUDED.instance_id, session_id = EXCLUDED.session_id,
                    connected_at = EXCLUDED.connected_at, last_message_at = EXCLUDED.last_message_at
                WHERE station_connections.connected_at <= EXCLUDED.connected_at
                RETURNING station_id, previous_instance_id)
            SELECT i.station_id, r.station_id IS NOT NULL, r.previous_instance_id
            FROM input i LEFT JOIN recorded r ON r.station_id = i.station_id
            """;

        const string delete = """
            DELETE FROM station_connections c USING unnest($1::text[], $2::uuid[]) AS u(station_id, session_id)
            WHERE c.station_id = u.station_id AND c.session_id = u.session_id
            """;

        await using var batch = dataSource.CreateBatch();
        // Upserts first: a session that opened and closed between two writes ends up removed.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(upsert)
        {
            Parameters =
            {
                Array(connected.Select(s => s.StationId), NpgsqlDbType.Text),
                Array(connected.Select(s => s.SessionId), NpgsqlDbType.Uuid),
                Array(connected.Select(s => s.ConnectedAt), NpgsqlDbType.TimestampTz),
                new NpgsqlParameter<string> { TypedValue = instance.Id },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(delete)
        {
            Parameters =
            {
                Array(disconnected.Select(s => s.StationId), NpgsqlDbType.Text),
                Array(disconnected.Select(s => s.SessionId), NpgsqlDbType.Uuid),
            },
        });

        if (spoke.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                UPDATE station_connections c SET last_message_at = u.at
                FROM unnest($1::text[], $2::uuid[], $3::timestamptz[]) AS u(station_id, session_id, at)
                WHERE c.station_id = u.station_id AND c.session_id = u.session_id
                """)
            {
                Parameters =
                {
                    Array(spoke.Select(s => s.StationId), NpgsqlDbType.Text),
                    Array(spoke.Select(s => s.SessionId), NpgsqlDbType.Uuid),
                    Array(spoke.Select(s => s.LastMessageAt), NpgsqlDbType.TimestampTz),
                },
            });
        }

        var sessions = connected.ToDictionary(s => s.StationId, StringComparer.Ordinal);
        var moved = new List<StationMove>();
        var superseded = new List<StationSession>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var session = sessions[reader.GetString(0)];
                if (!reader.GetBoolean(1)) superseded.Add(session);
                else if (!reader.IsDBNull(2) && reader.GetString(2) is var previous && previous != instance.Id) moved.Add(new StationMove(session, previous));
            }
        } // disposed: the transaction has committed before anyone is told

        return new StationDirectoryChanges(moved, superseded);
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

    /// <summary>
    /// One page of the stations other instances hold, in ordinal (<c>COLLATE "C"</c>) order of their
    /// ids after <paramref name="after"/>; this instance's own come from memory, fresher than the table.
    /// </summary>
    public async Task<IReadOnlyList<StationConnection>> ListElsewhereAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT c.station_id, c.connected_at, c.last_message_at, c.instance_id {LiveJoin}
            WHERE c.instance_id <> $2 AND ($3::text IS NULL OR c.station_id COLLATE "C" > $3::text)
            ORDER BY c.station_id COLLATE "C" LIMIT $4
            """);
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = InstanceExpiry.TotalSeconds });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = instance.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
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

    private static NpgsqlParameter Array<T>(IEnumerable<T> values, NpgsqlDbType elementType) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | elementType };

    private static StationConnection Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetFieldValue<DateTimeOffset>(1),
        reader.GetFieldValue<DateTimeOffset>(2),
        reader.GetString(3));
}
