using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipelet.Dispatcher.Data;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// A fresh database with the dispatcher's schema, for testing its statements in process (no dispatcher
/// running), and rows written straight into it.
/// </summary>
public sealed class DeliveryLogDatabase : IAsyncDisposable
{
    private DeliveryLogDatabase(NpgsqlDataSource dataSource, string connectionString)
    {
        DataSource = dataSource;
        Database = new DeliveryDatabase(connectionString);
    }

    public NpgsqlDataSource DataSource { get; }
    public DeliveryDatabase Database { get; }

    public static async Task<DeliveryLogDatabase> CreateAsync(RealInfrastructure infrastructure)
    {
        var connectionString = await infrastructure.CreateDatabaseAsync();
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await DatabaseMigrations.ApplyAsync(dataSource, typeof(DeliveryLog).Assembly, NullLogger.Instance, CancellationToken.None);
        return new DeliveryLogDatabase(dataSource, connectionString);
    }

    /// <summary>A delivery row as the log writes it; with <paramref name="attempts"/> attempt rows at <paramref name="updatedAt"/>.</summary>
    public async Task<Guid> AddDeliveryAsync(long webhookId, string status, DateTimeOffset updatedAt, int attempts = 1)
    {
        var deliveryId = Guid.CreateVersion7();
        await using var batch = DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO deliveries (delivery_id, webhook_id, event_id, event, station_id, created_at, status, attempts, updated_at)
            VALUES ($1, $2, $3, 'StartTransaction', 'CP-1', $4, $5, $6, $4)
            """)
        {
            Parameters = { new() { Value = deliveryId }, new() { Value = webhookId }, new() { Value = Guid.CreateVersion7() }, new() { Value = updatedAt }, new() { Value = status }, new() { Value = attempts } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO delivery_attempts (delivery_id, attempt, webhook_id, event_id, attempted_at, duration_ms, status_code)
            SELECT $1, n, $2, gen_random_uuid(), $3, 12.5, 500 FROM generate_series(1, $4) AS n
            """)
        {
            Parameters = { new() { Value = deliveryId }, new() { Value = webhookId }, new() { Value = updatedAt }, new() { Value = attempts } },
        });
        await batch.ExecuteNonQueryAsync();
        return deliveryId;
    }

    /// <summary>The dead letter of a delivery (with <see cref="AddDeliveryAsync"/>'s row, status <c>failed</c>).</summary>
    public async Task AddDeadLetterAsync(Guid deliveryId, long webhookId, DateTimeOffset failedAt)
    {
        await using var command = DataSource.CreateCommand("""
            INSERT INTO failed_deliveries (delivery_id, webhook_id, event_id, event, webhook, attempts, failed_at)
            VALUES ($1, $2, gen_random_uuid(), '{}', '{}', '[]', $3)
            """);
        command.Parameters.Add(new() { Value = deliveryId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = failedAt });
        await command.ExecuteNonQueryAsync();
    }

    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await command.ExecuteNonQueryAsync();
    }

    public Task<string?> StatusAsync(Guid deliveryId) => Database.ScalarAsync<string>("SELECT status FROM deliveries WHERE delivery_id = $1", deliveryId);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
