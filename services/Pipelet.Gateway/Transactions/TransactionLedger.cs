using Npgsql;

namespace Pipelet.Gateway.Transactions;

/// <summary>
/// Allocates transactionIds in PostgreSQL. A station that lost our answer re-sends the same
/// StartTransaction (same connector, idTag, timestamp and meterStart): the unique key turns that into
/// the id it was given the first time instead of a second transaction.
/// </summary>
internal sealed class TransactionLedger(NpgsqlDataSource dataSource)
{
    private const string StartSql = """
        INSERT INTO transactions (station_id, connector_id, id_tag, started_at, meter_start, reservation_id)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (station_id, connector_id, id_tag, started_at, meter_start)
        DO UPDATE SET station_id = EXCLUDED.station_id
        RETURNING transaction_id
        """;

    private const string StopSql = """
        UPDATE transactions SET stopped_at = $3, meter_stop = $4
        WHERE station_id = $1 AND transaction_id = $2
        """;

    public async Task<int> StartAsync(string stationId, int connectorId, string idTag, DateTimeOffset startedAt, int meterStart, int? reservationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(StartSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stationId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = connectorId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = idTag });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = startedAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = meterStart });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)reservationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Records the end of a transaction we know; an unknown id (e.g. from another CSMS) changes nothing.</summary>
    public async Task StopAsync(string stationId, int transactionId, DateTimeOffset stoppedAt, int meterStop, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(StopSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stationId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = transactionId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = stoppedAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = meterStop });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
