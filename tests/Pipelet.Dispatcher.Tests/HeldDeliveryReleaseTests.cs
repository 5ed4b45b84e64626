using System.Text.Json;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// <see cref="PausedWebhookStore"/>'s release of kept deliveries against the real schema: in the order they were kept,
/// chunk after chunk from where the last one ended, each delivery once across releasers, never a paused webhook's.
/// </summary>
public sealed class HeldDeliveryReleaseTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private const long Resumed = 7;
    private const long StillPaused = 8;

    [Fact]
    public async Task Two_releasers_send_a_resumed_webhooks_kept_deliveries_oldest_first_each_once_and_leave_a_paused_ones()
    {
        await using var schema = await DeliveryLogDatabase.CreateAsync(infrastructure);
        var store = new PausedWebhookStore(schema.DataSource);
        // Kept in the order n; their delivery ids are random, so that order is not the primary key's.
        await KeepAsync(schema, Resumed, 2_000);
        await KeepAsync(schema, StillPaused, 10);
        await store.PauseAsync(StillPaused, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), "down", CancellationToken.None);

        Assert.Equal([Resumed], await store.ReleasableAsync(CancellationToken.None));

        var releasers = await Task.WhenAll(ReleaseAllAsync(store), ReleaseAllAsync(store));

        var sent = releasers.SelectMany(r => r).ToList();
        Assert.Equal(2_000, sent.Count);
        Assert.Equal(Enumerable.Range(0, 2_000), sent.Order());
        foreach (var releaser in releasers) Assert.Equal(releaser.Order(), releaser);
        Assert.Equal(0L, await store.CountHeldAsync(Resumed, CancellationToken.None));
        Assert.Equal(10L, await store.CountHeldAsync(StillPaused, CancellationToken.None));
        Assert.Empty(await store.ReleasableAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_chunk_whose_send_failed_stays_kept_and_goes_out_with_the_next_release()
    {
        await using var schema = await DeliveryLogDatabase.CreateAsync(infrastructure);
        var store = new PausedWebhookStore(schema.DataSource);
        await KeepAsync(schema, Resumed, 30);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.ReleaseAsync(Resumed, 0, 20, _ => throw new InvalidOperationException("broker away"), CancellationToken.None));

        var sent = new List<int>();
        var taken = await store.ReleaseAsync(Resumed, 0, 20, chunk => Record(chunk, sent), CancellationToken.None);
        Assert.Equal(20, taken.Count);
        taken = await store.ReleaseAsync(Resumed, taken.Last, 20, chunk => Record(chunk, sent), CancellationToken.None);
        Assert.Equal(10, taken.Count);
        Assert.Equal(Enumerable.Range(0, 30), sent);
    }

    /// <summary>
    /// Releases the webhook's kept deliveries in chunks of 100 as the probe does (each from where the last ended; from
    /// the start again after a short one), until none is left; the n of each sent, in the order sent.
    /// </summary>
    private static async Task<List<int>> ReleaseAllAsync(PausedWebhookStore store)
    {
        var sent = new List<int>();
        var after = 0L;
        while (true)
        {
            var taken = await store.ReleaseAsync(Resumed, after, 100, async chunk =>
            {
                // Lets the other releaser run while this chunk is held.
                await Task.Yield();
                await Record(chunk, sent);
            }, CancellationToken.None);
            if (taken.Count == 100)
            {
                after = taken.Last;
            }
            else if (after == 0 && taken.Count == 0)
            {
                return sent;
            }
            else
            {
                after = 0;
            }
        }
    }

    private static Task Record(IReadOnlyList<string> chunk, List<int> sent)
    {
        sent.AddRange(chunk.Select(json => JsonDocument.Parse(json).RootElement.GetProperty("n").GetInt32()));
        return Task.CompletedTask;
    }

    /// <summary>Keeps <paramref name="count"/> deliveries for the webhook, numbered n = 0, 1, ... in the order kept.</summary>
    private static async Task KeepAsync(DeliveryLogDatabase schema, long webhookId, int count)
    {
        await schema.ExecuteAsync("""
            INSERT INTO held_deliveries (delivery_id, webhook_id, delivery, held_at, expires_at)
            SELECT gen_random_uuid(), $1, jsonb_build_object('n', n), now(), now() + interval '1 hour'
            FROM generate_series(0, $2 - 1) AS n ORDER BY n
            """, webhookId, count);
    }
}
