using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// The delivery log's writer against the real schema: a first try's rows go in as plain inserts, and a step logged
/// before (a message redelivered after its commit, a kept delivery's first try) rolls its batch back and is written
/// again absorbing duplicates, with every other record of that batch.
/// </summary>
public sealed class DeliveryLogTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_batch_holding_steps_already_logged_is_written_once_with_its_new_records_and_no_duplicate_rows()
    {
        await using var schema = await DeliveryLogDatabase.CreateAsync(infrastructure);
        var log = new DeliveryLog(schema.DataSource, Options.Create(new DeliveryLogOptions()), NullLogger<DeliveryLog>.Instance);
        var (succeeded, retried, kept, fresh) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());

        await log.WriteBatchAsync(
        [
            Step(succeeded, DeliveryStatus.Succeeded, attempt: 1, statusCode: 200),
            Step(retried, DeliveryStatus.Retrying, attempt: 1, statusCode: 500),
            Step(kept, DeliveryStatus.Paused, attempt: 0) with { Hold = new HoldRecord("{}", Now.AddDays(1)) },
        ], CancellationToken.None);

        // The first try of 'succeeded' again (redelivered after its commit), next to new steps of the others and a new delivery.
        await log.WriteBatchAsync(
        [
            Step(fresh, DeliveryStatus.Succeeded, attempt: 1, statusCode: 200),
            Step(succeeded, DeliveryStatus.Succeeded, attempt: 1, statusCode: 200),
            Step(retried, DeliveryStatus.Succeeded, attempt: 2, statusCode: 200),
            Step(kept, DeliveryStatus.Succeeded, attempt: 1, statusCode: 200),
        ], CancellationToken.None);
        // A kept delivery's first try alone: its row exists, as 'paused'.
        var keptAlone = Guid.CreateVersion7();
        await log.WriteBatchAsync([Step(keptAlone, DeliveryStatus.Paused, attempt: 0) with { Hold = new HoldRecord("{}", Now.AddDays(1)) }], CancellationToken.None);
        await log.WriteBatchAsync([Step(keptAlone, DeliveryStatus.Succeeded, attempt: 1, statusCode: 200)], CancellationToken.None);

        var rows = (await schema.Database.RowsAsync("""
            SELECT d.delivery_id, d.status, d.attempts, d.last_status_code, (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id)
            FROM deliveries d
            """)).ToDictionary(r => (Guid)r[0]!, r => ((string)r[1]!, (int)r[2]!, (int)r[3]!, (long)r[4]!));
        Assert.Equal(5, rows.Count);
        Assert.Equal((DeliveryStatus.Succeeded, 1, 200, 1L), rows[succeeded]);
        Assert.Equal((DeliveryStatus.Succeeded, 2, 200, 2L), rows[retried]);
        Assert.Equal((DeliveryStatus.Succeeded, 1, 200, 1L), rows[kept]);
        Assert.Equal((DeliveryStatus.Succeeded, 1, 200, 1L), rows[fresh]);
        Assert.Equal((DeliveryStatus.Succeeded, 1, 200, 1L), rows[keptAlone]);
    }

    [Fact]
    public async Task Every_record_handed_to_the_running_log_is_committed_before_its_write_completes()
    {
        await using var schema = await DeliveryLogDatabase.CreateAsync(infrastructure);
        var log = new DeliveryLog(schema.DataSource, Options.Create(new DeliveryLogOptions { LogWriters = 2 }), NullLogger<DeliveryLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        try
        {
            // More records than one batch takes (1,000), from many writers at once, some of them twice.
            var ids = Enumerable.Range(0, 2500).Select(_ => Guid.CreateVersion7()).ToList();
            var writes = ids.Select(id => log.WriteAsync(Step(id, DeliveryStatus.Succeeded, attempt: 1, statusCode: 200), CancellationToken.None))
                .Concat(ids.Take(100).Select(id => log.WriteAsync(Step(id, DeliveryStatus.Succeeded, attempt: 1, statusCode: 200), CancellationToken.None)))
                .ToList();
            await Task.WhenAll(writes);

            Assert.Equal(2500L, await schema.Database.ScalarAsync<long>("SELECT count(*) FROM deliveries"));
            Assert.Equal(2500L, await schema.Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts"));
            Assert.Equal(1L, await schema.Database.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE delivery_id = $1", ids[^1]));
        }
        finally
        {
            await log.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_kept_deliverys_try_that_says_so_is_written_without_a_rollback()
    {
        await using var schema = await DeliveryLogDatabase.CreateAsync(infrastructure);
        var logger = new RecordingLogger();
        var log = new DeliveryLog(schema.DataSource, Options.Create(new DeliveryLogOptions()), logger);
        var (marked, unmarked) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        await log.WriteBatchAsync(
        [
            Step(marked, DeliveryStatus.Paused, attempt: 0) with { Hold = new HoldRecord("{}", Now.AddDays(1)) },
            Step(unmarked, DeliveryStatus.Paused, attempt: 0) with { Hold = new HoldRecord("{}", Now.AddDays(1)) },
        ], CancellationToken.None);

        // Released: the message says it was kept, so its row is updated, not inserted.
        await log.WriteBatchAsync([Step(marked, DeliveryStatus.Succeeded, attempt: 1, statusCode: 200) with { Kept = true }], CancellationToken.None);
        Assert.DoesNotContain(logger.Messages, m => m.Contains("already logged", StringComparison.Ordinal));

        // One that does not say so (kept by an older dispatcher) is written all the same, after a rollback.
        await log.WriteBatchAsync([Step(unmarked, DeliveryStatus.Succeeded, attempt: 1, statusCode: 200)], CancellationToken.None);
        Assert.Contains(logger.Messages, m => m.Contains("already logged", StringComparison.Ordinal));

        Assert.Equal(2L, await schema.Database.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE status = 'succeeded' AND attempts = 1"));
        Assert.Equal(2L, await schema.Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts"));
    }

    private sealed class RecordingLogger : ILogger<DeliveryLog>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages) Messages.Add(formatter(state, exception));
        }
    }

    private static DeliveryRecord Step(Guid deliveryId, string status, int attempt, int? statusCode = null) =>
        new(deliveryId, 1, Guid.CreateVersion7(), "MeterValues", "CP-1", Now, status, attempt, Now.AddSeconds(attempt),
            status == DeliveryStatus.Retrying ? Now.AddSeconds(attempt + 1) : null, null,
            attempt == 0 ? null : new AttemptRecord(attempt, Now.AddSeconds(attempt), 3.5, statusCode, statusCode >= 400 ? "status" : null,
                statusCode >= 400 ? "HTTP 500" : null, null),
            null);
}
