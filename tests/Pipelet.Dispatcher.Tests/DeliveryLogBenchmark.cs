using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Pipelet.Dispatcher.Data;
using Microsoft.Extensions.Hosting;
using Pipelet.Testing;
using Xunit.Abstractions;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// The delivery log alone: CPU per record in PostgreSQL and in this process (the dispatcher's side of the log), with
/// nothing else on the box's two cores from this run (no HTTP, no broker), so a change to the log's statements shows
/// above the noise of a busy machine. <c>PIPELET_BENCH_LOG_CONSUMERS</c> consumers (default 200) each hand one record
/// at a time to the running log and wait for its commit, as the dispatcher's tries do; every 20th delivery fails its
/// first try and logs a second. PostgreSQL durable (the private cluster with <c>PIPELET_BENCH=1</c>).
/// Run: <c>PIPELET_BENCH=1 dotnet test tests/Pipelet.Dispatcher.Tests -c Release --filter "FullyQualifiedName~DeliveryLogBenchmark"</c>.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class DeliveryLogBenchmark(RealInfrastructure infrastructure, ITestOutputHelper output) : IClassFixture<RealInfrastructure>
{
    [BenchmarkFact]
    public async Task Cpu_per_logged_delivery()
    {
        var consumers = BenchmarkSettings.Setting("PIPELET_BENCH_LOG_CONSUMERS", 200);
        var deliveries = BenchmarkSettings.Setting("PIPELET_BENCH_LOG_DELIVERIES", 60_000);
        var builder = new NpgsqlDataSourceBuilder(await infrastructure.CreateDatabaseAsync());
        DataSourceDefaults.Configure(builder);
        await using var dataSource = builder.Build();
        await DatabaseMigrations.ApplyAsync(dataSource, typeof(DeliveryLog).Assembly, NullLogger.Instance, CancellationToken.None);
        var log = new DeliveryLog(dataSource, Options.Create(new DeliveryLogOptions()), NullLogger<DeliveryLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        try
        {
            await RunAsync(log, consumers, deliveries / 4); // warm-up: JIT, prepared statements, the tables' first pages
            var database = infrastructure.Servers.PrivatePostgres?.Process.Id;
            var databaseBefore = database is { } d0 ? ProcessCpu.TreeSeconds(d0) : double.NaN;
            var (commitsBefore, walBefore) = await CommitsAndWalAsync(dataSource);
            var selfBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            var stopwatch = Stopwatch.StartNew();
            var records = await RunAsync(log, consumers, deliveries);
            var elapsed = stopwatch.Elapsed;
            var databaseCpu = database is { } d1 ? ProcessCpu.TreeSeconds(d1) - databaseBefore : double.NaN;
            var selfCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - selfBefore;
            var (commits, wal) = await CommitsAndWalAsync(dataSource);
            commits -= commitsBefore;
            output.WriteLine($"delivery log: {deliveries} deliveries ({records} records) in {elapsed.TotalSeconds:F1} s = {deliveries / elapsed.TotalSeconds:F0}/s " +
                             $"with {consumers} consumers; CPU per delivery: PostgreSQL {databaseCpu * 1e6 / deliveries:F1} us, " +
                             $"this process (the log's writers and the consumers) {selfCpu * 1e6 / deliveries:F1} us; " +
                             $"{commits} commits ({records / (double)commits:F0} records each), {(wal - walBefore) / (double)deliveries:F0} bytes of WAL per delivery; " +
                             $"load average {File.ReadAllText("/proc/loadavg").Trim()}");
        }
        finally
        {
            await log.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The database's commits so far (its statistics, flushed at most once a second, hence the wait) and the WAL position.</summary>
    private static async Task<(long Commits, long Wal)> CommitsAndWalAsync(NpgsqlDataSource dataSource)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await using var command = dataSource.CreateCommand(
            "SELECT pg_stat_force_next_flush(), xact_commit, pg_current_wal_lsn() - '0/0' FROM pg_stat_database WHERE datname = current_database()");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(1), (long)reader.GetDecimal(2));
    }

    /// <summary>Every delivery's first try logged, and for every 20th a failed first try and a second; returns the records.</summary>
    private static async Task<int> RunAsync(DeliveryLog log, int consumers, int deliveries)
    {
        var next = -1;
        var records = 0;
        await Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && i < deliveries)
            {
                var deliveryId = Guid.CreateVersion7();
                var eventId = Guid.CreateVersion7();
                var now = DateTimeOffset.UtcNow;
                if (i % 20 == 0)
                {
                    await log.WriteAsync(Step(deliveryId, eventId, now, DeliveryStatus.Retrying, 1, 500), CancellationToken.None);
                    await log.WriteAsync(Step(deliveryId, eventId, now, DeliveryStatus.Succeeded, 2, 200), CancellationToken.None);
                    Interlocked.Add(ref records, 2);
                }
                else
                {
                    await log.WriteAsync(Step(deliveryId, eventId, now, DeliveryStatus.Succeeded, 1, 200), CancellationToken.None);
                    Interlocked.Increment(ref records);
                }
            }
        })));
        return records;
    }

    private static DeliveryRecord Step(Guid deliveryId, Guid eventId, DateTimeOffset createdAt, string status, int attempt, int statusCode) =>
        new(deliveryId, 1, eventId, "MeterValues", "CP-1", createdAt, status, attempt, DateTimeOffset.UtcNow,
            status == DeliveryStatus.Retrying ? DateTimeOffset.UtcNow.AddSeconds(1) : null, null,
            new AttemptRecord(attempt, DateTimeOffset.UtcNow, 2.5, statusCode, statusCode >= 400 ? "status" : null, statusCode >= 400 ? "HTTP 500" : null, null),
            null);
}
