using Npgsql;
using NpgsqlTypes;

namespace Pipelet.Dispatcher.Data;

/// <summary>
/// The shared state of paused webhooks (<c>webhook_pauses</c>) and the deliveries kept for them
/// (<c>held_deliveries</c>, written by <see cref="DeliveryLog"/> with their 'paused' status). Shared by every
/// dispatcher instance: a webhook is paused for all of them, and one probe try at a time is made, by whichever
/// instance takes the probe.
/// </summary>
public sealed class PausedWebhookStore(NpgsqlDataSource dataSource)
{
    public sealed record Pause(long WebhookId, DateTimeOffset PausedSince, DateTimeOffset NextProbeAt, string? LastError);

    /// <summary>Pauses the webhook unless it is paused already; true when this call paused it.</summary>
    public async Task<bool> PauseAsync(long webhookId, DateTimeOffset now, DateTimeOffset firstProbeAt, string? lastError, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO webhook_pauses (webhook_id, paused_since, next_probe_at, last_error) VALUES ($1, $2, $3, $4)
            ON CONFLICT (webhook_id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = firstProbeAt });
        command.Parameters.Add(new() { Value = (object?)lastError ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<Pause>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT webhook_id, paused_since, next_probe_at, last_error FROM webhook_pauses");
        var pauses = new List<Pause>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            pauses.Add(new Pause(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return pauses;
    }

    public async Task<Pause?> GetAsync(long webhookId, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(p => p.WebhookId == webhookId);

    public async Task<long> CountHeldAsync(long webhookId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM held_deliveries WHERE webhook_id = $1");
        command.Parameters.Add(new() { Value = webhookId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Takes the webhook's probe if it is due and no other instance holds it; true when this instance may probe until <paramref name="until"/>.</summary>
    public async Task<bool> TryTakeProbeAsync(long webhookId, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE webhook_pauses SET probe_until = $3
            WHERE webhook_id = $1 AND next_probe_at <= $2 AND (probe_until IS NULL OR probe_until < $2)
            """);
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = until });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The probe failed (or found nothing to try): the next one is due at <paramref name="nextProbeAt"/>.</summary>
    public async Task ProbeFailedAsync(long webhookId, DateTimeOffset nextProbeAt, string? lastError, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE webhook_pauses SET probe_until = NULL, next_probe_at = $2, last_error = COALESCE($3, last_error) WHERE webhook_id = $1
            """);
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = nextProbeAt });
        command.Parameters.Add(new() { Value = (object?)lastError ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The webhook is back (or gone): its kept deliveries are released by <see cref="ReleaseAsync"/>.</summary>
    public async Task ResumeAsync(long webhookId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM webhook_pauses WHERE webhook_id = $1");
        command.Parameters.Add(new() { Value = webhookId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The oldest kept delivery of the webhook (the probe's try), as its message JSON.</summary>
    public async Task<(Guid DeliveryId, string Json)?> OldestHeldAsync(long webhookId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT delivery_id, delivery::text FROM held_deliveries WHERE webhook_id = $1 ORDER BY seq LIMIT 1");
        command.Parameters.Add(new() { Value = webhookId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetGuid(0), reader.GetString(1)) : null;
    }

    public async Task DeleteHeldAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM held_deliveries WHERE delivery_id = $1");
        command.Parameters.Add(new() { Value = deliveryId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The webhooks that keep deliveries and are not paused (resumed, disabled or deleted): theirs are to be released.
    /// One short read of <c>held_deliveries_by_webhook</c> per such webhook, however many deliveries each keeps.
    /// </summary>
    public async Task<IReadOnlyList<long>> ReleasableAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH RECURSIVE keeping(webhook_id) AS (
                (SELECT webhook_id FROM held_deliveries ORDER BY webhook_id LIMIT 1)
                UNION ALL
                SELECT (SELECT h.webhook_id FROM held_deliveries h WHERE h.webhook_id > k.webhook_id ORDER BY h.webhook_id LIMIT 1)
                FROM keeping k WHERE k.webhook_id IS NOT NULL)
            SELECT webhook_id FROM keeping k
            WHERE webhook_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM webhook_pauses p WHERE p.webhook_id = k.webhook_id)
            """);
        var webhooks = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) webhooks.Add(reader.GetInt64(0));
        return webhooks;
    }

    /// <summary>A chunk handed on: how many, and the position of its last one (the next chunk starts after it).</summary>
    public readonly record struct Taken(int Count, long Last);

    /// <summary>
    /// Hands up to <paramref name="limit"/> of the webhook's kept deliveries, in the order they were kept and from after
    /// position <paramref name="after"/>, to <paramref name="send"/>, and forgets them only once it returned (the broker
    /// confirmed them): a crash in between sends them again (a duplicate, never a loss). Deliveries another instance
    /// is releasing are skipped, so two instances never send the same chunk; nothing is released while the webhook is
    /// paused. Each chunk reads only its own range of the webhook's index, however many were kept or released before.
    /// </summary>
    public Task<Taken> ReleaseAsync(long webhookId, long after, int limit, Func<IReadOnlyList<string>, Task> send, CancellationToken cancellationToken) =>
        TakeAsync("""
            SELECT delivery_id, seq, delivery::text FROM held_deliveries
            WHERE webhook_id = $2 AND seq > $3 AND NOT EXISTS (SELECT 1 FROM webhook_pauses WHERE webhook_id = $2)
            ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
            """, [limit, webhookId, after], send, cancellationToken);

    /// <summary>Like <see cref="ReleaseAsync"/>, for kept deliveries whose retry ladder has ended by <paramref name="now"/>: to be dead-lettered.</summary>
    public Task<Taken> ExpireAsync(DateTimeOffset now, int limit, Func<IReadOnlyList<string>, Task> deadLetter, CancellationToken cancellationToken) =>
        TakeAsync("""
            SELECT delivery_id, seq, delivery::text FROM held_deliveries
            WHERE expires_at <= $2 ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
            """, [limit, now], deadLetter, cancellationToken);

    private async Task<Taken> TakeAsync(string select, object[] parameters, Func<IReadOnlyList<string>, Task> handle, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ids = new List<Guid>();
        var deliveries = new List<string>();
        var last = 0L;
        await using (var command = new NpgsqlCommand(select, connection, transaction))
        {
            foreach (var value in parameters) command.Parameters.Add(new() { Value = value });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetGuid(0));
                last = reader.GetInt64(1);
                deliveries.Add(reader.GetString(2));
            }
        }

        if (ids.Count == 0) return new Taken(0, last);
        await handle(deliveries);
        await using (var delete = new NpgsqlCommand("DELETE FROM held_deliveries WHERE delivery_id = ANY($1)", connection, transaction))
        {
            delete.Parameters.Add(new() { Value = ids.ToArray() });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new Taken(ids.Count, last);
    }
}
