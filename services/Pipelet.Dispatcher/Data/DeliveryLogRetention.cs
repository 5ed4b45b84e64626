using Microsoft.Extensions.Options;
using Npgsql;

namespace Pipelet.Dispatcher.Data;

/// <summary>
/// Prunes the delivery log past <c>Delivery__Retention</c> in the background: small batches with a pause
/// between them, so pruning never holds long locks or competes with the delivery path.
/// Pending deliveries (retrying) are kept whatever their age.
/// </summary>
public sealed partial class DeliveryLogRetention(
    NpgsqlDataSource dataSource,
    IOptions<DeliveryLogOptions> options,
    TimeProvider time,
    ILogger<DeliveryLogRetention> logger) : BackgroundService
{
    private const int BatchSize = 2000;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private static readonly string[] Statements =
    [
        """
        DELETE FROM delivery_attempts WHERE ctid = ANY (ARRAY(
            SELECT a.ctid FROM delivery_attempts a
            WHERE a.attempted_at < $1
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.delivery_id = a.delivery_id AND d.status = 'retrying')
            LIMIT $2))
        """,
        "DELETE FROM deliveries WHERE ctid = ANY (ARRAY(SELECT ctid FROM deliveries WHERE updated_at < $1 AND status <> 'retrying' LIMIT $2))",
        "DELETE FROM failed_deliveries WHERE ctid = ANY (ARRAY(SELECT ctid FROM failed_deliveries WHERE failed_at < $1 LIMIT $2))",
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let start-up (migrations, the first deliveries) go first.
        await Task.Delay(TimeSpan.FromSeconds(30), time, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var pruned = await PruneAsync(time.GetUtcNow() - options.Value.Retention, stoppingToken);
                if (pruned > 0) LogPruned(logger, pruned);
            }
            catch (NpgsqlException ex)
            {
                LogFailed(logger, ex.Message);
            }

            await Task.Delay(Interval, time, stoppingToken);
        }
    }

    /// <summary>Deletes everything older than <paramref name="cutoff"/>, batch by batch; returns the rows removed.</summary>
    public async Task<long> PruneAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long total = 0;
        foreach (var sql in Statements)
        {
            int deleted;
            do
            {
                await using var command = dataSource.CreateCommand(sql);
                command.Parameters.Add(new() { Value = cutoff });
                command.Parameters.Add(new() { Value = BatchSize });
                deleted = await command.ExecuteNonQueryAsync(cancellationToken);
                total += deleted;
                if (deleted == BatchSize) await Task.Delay(Pause, time, cancellationToken);
            }
            while (deleted == BatchSize);
        }

        return total;
    }

    [LoggerMessage(LogLevel.Information, "Pruned {Rows} delivery log rows past retention")]
    private static partial void LogPruned(ILogger logger, long rows);

    [LoggerMessage(LogLevel.Warning, "Delivery log pruning failed, will try again later: {Message}")]
    private static partial void LogFailed(ILogger logger, string message);
}
