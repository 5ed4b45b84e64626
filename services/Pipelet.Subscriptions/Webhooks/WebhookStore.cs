using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Subscriptions.Http;
using Pipelet.Webhooks;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// The <c>webhooks</c> table. Every change writes an outbox row in the same transaction, so a
/// committed change is always published on the bus eventually (see <see cref="WebhookChangePublisher"/>).
/// A write returns once its change is out, or after <see cref="WebhookOutboxSignal.PublishWait"/> when it cannot be yet.
/// </summary>
internal sealed class WebhookStore(NpgsqlDataSource dataSource, WebhookSecretProtector protector, WebhookOutboxSignal outbox)
{
    internal const string Columns =
        "id, name, url, enabled, events, stations, secret_header, secret_value, created_at, updated_at, " +
        "signing_secret, previous_signing_secret, signing_secret_rotated_at, disabled_reason, disabled_at, rate_limit, ordering";

    public async Task<Webhook> CreateAsync(WebhookSettings settings, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO webhooks (name, url, enabled, events, stations, secret_header, secret_value, rate_limit, ordering, signing_secret)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            RETURNING {Columns}
            """, connection, transaction);
        AddSettings(insert, settings);
        insert.Parameters.Add(new() { Value = protector.Protect(WebhookSignature.NewSecret().Value, SealedColumn.SigningSecret) });
        var webhook = await ReadSingleAsync(insert, cancellationToken);
        await RecordChangeAsync(connection, transaction, webhook!.Id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await outbox.PublishedAsync(cancellationToken);
        return webhook;
    }

    public async Task<Webhook?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        return await ReadSingleAsync(command, cancellationToken);
    }

    /// <summary>Up to <paramref name="count"/> webhooks with an id above <paramref name="after"/>, by id.</summary>
    public async Task<IReadOnlyList<Webhook>> ListAsync(long after, int count, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks WHERE id > $1 ORDER BY id LIMIT $2");
        command.Parameters.Add(new() { Value = after });
        command.Parameters.Add(new() { Value = count });
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>Every webhook with its decrypted secrets: the dispatcher's full read.</summary>
    public async Task<List<Webhook>> ListAllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks ORDER BY id");
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// Re-seals, under the current key, every secret sealed under a retired one. Each value is replaced only if
    /// it is still the one read, so a concurrent update wins. Returns the count and the rows no key opens.
    /// </summary>
    public async Task<(int Resealed, List<long> Unreadable)> ResealSecretsAsync(CancellationToken cancellationToken)
    {
        var resealed = 0;
        var unreadable = new SortedSet<long>();
        foreach (var column in SealedColumn.All)
        {
            var stale = new List<(long Id, byte[] Sealed)>();
            await using (var select = dataSource.CreateCommand($"SELECT id, {column.Name} FROM webhooks WHERE {column.Name} IS NOT NULL ORDER BY id"))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var sealedBytes = reader.GetFieldValue<byte[]>(1);
                    if (!protector.IsCurrent(sealedBytes)) stale.Add((reader.GetInt64(0), sealedBytes));
                }
            }

            foreach (var (id, sealedBytes) in stale)
            {
                string secret;
                try
                {
                    secret = protector.Unprotect(sealedBytes, column);
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    unreadable.Add(id);
                    continue;
                }

                await using var update = dataSource.CreateCommand($"UPDATE webhooks SET {column.Name} = $1 WHERE id = $2 AND {column.Name} = $3");
                update.Parameters.Add(new() { Value = protector.Protect(secret, column) });
                update.Parameters.Add(new() { Value = id });
                update.Parameters.Add(new() { Value = sealedBytes });
                resealed += await update.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return (resealed, unreadable.ToList());
    }

    /// <summary>Gives every webhook stored before signing existed its signing secret (and the dispatcher the news). Returns how many.</summary>
    public async Task<int> AddMissingSigningSecretsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ids = new List<long>();
        await using (var select = new NpgsqlCommand("SELECT id FROM webhooks WHERE signing_secret IS NULL FOR UPDATE", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetInt64(0));
        }

        foreach (var id in ids)
        {
            await using var update = new NpgsqlCommand("UPDATE webhooks SET signing_secret = $1, updated_at = now() WHERE id = $2", connection, transaction);
            update.Parameters.Add(new() { Value = protector.Protect(WebhookSignature.NewSecret().Value, SealedColumn.SigningSecret) });
            update.Parameters.Add(new() { Value = id });
            await update.ExecuteNonQueryAsync(cancellationToken);
            await RecordChangeAsync(connection, transaction, id, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (ids.Count > 0) outbox.Notify();
        return ids.Count;
    }

    /// <summary>
    /// Replaces the signing secret with a new one; the old one becomes the previous secret, which keeps signing
    /// for the sender's overlap. Returns the updated webhook, or null when it does not exist.
    /// </summary>
    public async Task<Webhook?> RotateSigningSecretAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var update = new NpgsqlCommand(
            $"""
            UPDATE webhooks SET previous_signing_secret = signing_secret, signing_secret = $1,
                signing_secret_rotated_at = now(), updated_at = now()
            WHERE id = $2
            RETURNING {Columns}
            """, connection, transaction);
        update.Parameters.Add(new() { Value = protector.Protect(WebhookSignature.NewSecret().Value, SealedColumn.SigningSecret) });
        update.Parameters.Add(new() { Value = id });
        var rotated = await ReadSingleAsync(update, cancellationToken);
        if (rotated is null) return null;
        await RecordChangeAsync(connection, transaction, id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await outbox.PublishedAsync(cancellationToken);
        return rotated;
    }

    /// <summary>Applies a patch under a row lock, so two partial updates never undo each other.</summary>
    /// <returns>The updated webhook; null when it does not exist; or the field errors of the merged result.</returns>
    public async Task<(Webhook? Webhook, ValidationErrors Errors)> UpdateAsync(long id, WebhookPatch patch, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var select = new NpgsqlCommand($"SELECT {Columns} FROM webhooks WHERE id = $1 FOR UPDATE", connection, transaction);
        select.Parameters.Add(new() { Value = id });
        var current = await ReadSingleAsync(select, cancellationToken);
        if (current is null) return (null, errors);

        var settings = patch.ApplyTo(current.Settings, errors);
        if (!errors.IsEmpty) return (null, errors);

        await using var update = new NpgsqlCommand(
            $"""
            UPDATE webhooks SET name = $1, url = $2, enabled = $3, events = $4, stations = $5,
                secret_header = $6, secret_value = $7, rate_limit = $8, ordering = $9, updated_at = now(),
                -- enabled again by its owner: why we disabled it no longer holds
                disabled_reason = CASE WHEN $3 THEN NULL ELSE disabled_reason END,
                disabled_at = CASE WHEN $3 THEN NULL ELSE disabled_at END
            WHERE id = $10
            RETURNING {Columns}
            """, connection, transaction);
        AddSettings(update, settings);
        update.Parameters.Add(new() { Value = id });
        var updated = await ReadSingleAsync(update, cancellationToken);
        await RecordChangeAsync(connection, transaction, id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await outbox.PublishedAsync(cancellationToken);
        return (updated, errors);
    }

    /// <summary>
    /// Disables a webhook whose deliveries kept failing, if it is still enabled, and records the <c>WebhookDisabled</c>
    /// event for the webhooks that subscribe to it, in one transaction. Every dispatcher instance may ask: only the first
    /// disables it. Returns null when the webhook does not exist, else whether this call disabled it.
    /// </summary>
    public async Task<bool?> DisableFailingAsync(long id, DisableFailingWebhookRequest failing, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var update = new NpgsqlCommand(
            $"""
            UPDATE webhooks SET enabled = false, disabled_reason = $1, disabled_at = now(), updated_at = now()
            WHERE id = $2 AND enabled
            RETURNING {Columns}
            """, connection, transaction);
        update.Parameters.Add(new() { Value = WebhookDisabledReasons.Failing });
        update.Parameters.Add(new() { Value = id });
        var disabled = await ReadSingleAsync(update, cancellationToken);
        if (disabled is null)
        {
            await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM webhooks WHERE id = $1)", connection, transaction);
            exists.Parameters.Add(new() { Value = id });
            return (bool)(await exists.ExecuteScalarAsync(cancellationToken))! ? false : null;
        }

        await RecordChangeAsync(connection, transaction, id, cancellationToken);
        var payload = new WebhookDisabledPayload(id, disabled.Settings.Name, disabled.Settings.Url.OriginalString, failing.LastError, failing.Since);
        await using (var notice = new NpgsqlCommand(
            "INSERT INTO operational_event_outbox (event_id, event, payload, occurred_at) VALUES ($1, $2, $3::jsonb, $4)", connection, transaction))
        {
            notice.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            notice.Parameters.Add(new() { Value = EventCatalogue.WebhookDisabled });
            notice.Parameters.Add(new() { Value = JsonSerializer.Serialize(payload, SubscriptionsJson.Default.WebhookDisabledPayload) });
            notice.Parameters.Add(new() { Value = disabled.DisabledAt!.Value });
            await notice.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        await outbox.PublishedAsync(cancellationToken);
        return true;
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var delete = new NpgsqlCommand("DELETE FROM webhooks WHERE id = $1", connection, transaction);
        delete.Parameters.Add(new() { Value = id });
        if (await delete.ExecuteNonQueryAsync(cancellationToken) == 0) return false;
        await RecordChangeAsync(connection, transaction, id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await outbox.PublishedAsync(cancellationToken);
        return true;
    }

    /// <summary>Reads a row of <see cref="Columns"/> starting at <paramref name="offset"/>.</summary>
    internal Webhook Read(NpgsqlDataReader reader, int offset = 0) => new(
        reader.GetInt64(offset),
        new WebhookSettings(
            reader.GetString(offset + 1),
            new Uri(reader.GetString(offset + 2)),
            reader.GetBoolean(offset + 3),
            reader.GetFieldValue<string[]>(offset + 4),
            reader.IsDBNull(offset + 5) ? null : reader.GetFieldValue<string[]>(offset + 5),
            reader.IsDBNull(offset + 6)
                ? null
                : new WebhookSecretHeader(reader.GetString(offset + 6), ReadSecret(reader, offset + 7, SealedColumn.SecretValue)!),
            reader.IsDBNull(offset + 15) ? null : reader.GetInt32(offset + 15),
            reader.GetString(offset + 16)),
        reader.IsDBNull(offset + 10)
            ? null
            : new WebhookSigningSecrets(
                ReadSecret(reader, offset + 10, SealedColumn.SigningSecret)!,
                ReadSecret(reader, offset + 11, SealedColumn.PreviousSigningSecret),
                reader.IsDBNull(offset + 12) ? null : reader.GetFieldValue<DateTimeOffset>(offset + 12)),
        reader.GetFieldValue<DateTimeOffset>(offset + 8),
        reader.GetFieldValue<DateTimeOffset>(offset + 9),
        reader.IsDBNull(offset + 13) ? null : reader.GetString(offset + 13),
        reader.IsDBNull(offset + 14) ? null : reader.GetFieldValue<DateTimeOffset>(offset + 14));

    private Secret? ReadSecret(NpgsqlDataReader reader, int ordinal, SealedColumn column) =>
        reader.IsDBNull(ordinal) ? null : new Secret(protector.Unprotect(reader.GetFieldValue<byte[]>(ordinal), column));

    private void AddSettings(NpgsqlCommand command, WebhookSettings settings)
    {
        command.Parameters.Add(new() { Value = settings.Name });
        command.Parameters.Add(new() { Value = settings.Url.OriginalString });
        command.Parameters.Add(new() { Value = settings.Enabled });
        command.Parameters.Add(new() { Value = settings.Events.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)settings.Stations?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)settings.SecretHeader?.Name ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new()
        {
            Value = settings.SecretHeader is { } header ? protector.Protect(header.Value.Value, SealedColumn.SecretValue) : DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.Bytea,
        });
        command.Parameters.Add(new() { Value = (object?)settings.RateLimit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = settings.Ordering });
    }

    private static async Task RecordChangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO webhook_outbox (webhook_id) VALUES ($1)", connection, transaction);
        command.Parameters.Add(new() { Value = id });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<Webhook?> ReadSingleAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private async Task<List<Webhook>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var items = new List<Webhook>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) items.Add(Read(reader));
        return items;
    }
}
