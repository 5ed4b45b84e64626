using Npgsql;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>Reads the dispatcher's delivery log directly, to check what it recorded.</summary>
public sealed class DeliveryDatabase(string connectionString)
{
    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async Task<List<object?[]>> RowsAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Polls the log until the query returns true (the dispatcher writes asynchronously to us).</summary>
    public async Task WaitUntilAsync(string sql, TimeSpan timeout, string what, params object[] parameters)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await ScalarAsync<bool>(sql, parameters)) return;
            }
            catch (PostgresException ex) when (ex.SqlState == "42P01")
            {
                // Schema not there yet.
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for: {what}");
            await Task.Delay(100);
        }
    }
}
