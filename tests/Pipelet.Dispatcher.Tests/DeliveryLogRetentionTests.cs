using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>The retention pruner's statements against the real schema: what goes, what stays.</summary>
public sealed class DeliveryLogRetentionTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    [Fact]
    public async Task Pruning_removes_finished_deliveries_their_attempts_and_dead_letters_past_the_cutoff_in_batches_and_keeps_retrying_and_recent_ones()
    {
        await using var schema = await DeliveryLogDatabase.CreateAsync(infrastructure);
        var cutoff = new DateTimeOffset(2026, 11, 5, 0, 0, 0, TimeSpan.Zero);
        var old = cutoff - TimeSpan.FromDays(1);
        var recent = cutoff + TimeSpan.FromDays(1);
        var retention = new DeliveryLogRetention(schema.DataSource, Options.Create(new DeliveryLogOptions()), TimeProvider.System, NullLogger<DeliveryLogRetention>.Instance);

        var oldSucceeded = await schema.AddDeliveryAsync(1, DeliveryStatus.Succeeded, old, attempts: 2);
        var oldCancelled = await schema.AddDeliveryAsync(1, DeliveryStatus.Cancelled, old);
        var oldFailed = await schema.AddDeliveryAsync(1, DeliveryStatus.Failed, old, attempts: 3);
        await schema.AddDeadLetterAsync(oldFailed, 1, old);
        // Pending whatever its age: its attempts are what its dead letter would carry.
        var oldRetrying = await schema.AddDeliveryAsync(1, DeliveryStatus.Retrying, old, attempts: 4);
        var recentSucceeded = await schema.AddDeliveryAsync(1, DeliveryStatus.Succeeded, recent);
        var recentFailed = await schema.AddDeliveryAsync(1, DeliveryStatus.Failed, recent);
        await schema.AddDeadLetterAsync(recentFailed, 1, recent);
        // More old rows than one batch (2,000) of each statement takes.
        await schema.ExecuteAsync("""
            WITH d AS (
                INSERT INTO deliveries (delivery_id, webhook_id, event_id, event, station_id, created_at, status, attempts, updated_at)
                SELECT gen_random_uuid(), 2, gen_random_uuid(), 'MeterValues', 'CP-2', $1, 'succeeded', 1, $1 FROM generate_series(1, 2500)
                RETURNING delivery_id, event_id)
            INSERT INTO delivery_attempts (delivery_id, attempt, webhook_id, event_id, attempted_at, duration_ms, status_code)
            SELECT delivery_id, 1, 2, event_id, $1, 3.5, 200 FROM d
            """, old);

        var pruned = await retention.PruneAsync(cutoff, CancellationToken.None);

        // Attempts 2 + 1 + 3 + 2,500, deliveries 3 + 2,500, one dead letter.
        Assert.Equal(2506 + 2503 + 1, pruned);
        foreach (var gone in new[] { oldSucceeded, oldCancelled, oldFailed }) Assert.Null(await schema.StatusAsync(gone));
        Assert.Equal(DeliveryStatus.Retrying, await schema.StatusAsync(oldRetrying));
        Assert.Equal(DeliveryStatus.Succeeded, await schema.StatusAsync(recentSucceeded));
        Assert.Equal(DeliveryStatus.Failed, await schema.StatusAsync(recentFailed));
        Assert.Equal(4L, await Count("delivery_attempts WHERE delivery_id = $1", oldRetrying));
        Assert.Equal(4L + 1 + 1, await Count("delivery_attempts"));
        Assert.Equal(3L, await Count("deliveries"));
        Assert.Equal([recentFailed], (await schema.Database.RowsAsync("SELECT delivery_id FROM failed_deliveries")).Select(r => (Guid)r[0]!));

        // Nothing left to prune: a second run removes nothing.
        Assert.Equal(0, await retention.PruneAsync(cutoff, CancellationToken.None));

        Task<long> Count(string from, params object[] parameters) => schema.Database.ScalarAsync<long>($"SELECT count(*) FROM {from}", parameters);
    }
}
