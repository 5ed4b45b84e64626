using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using Pipelet.Subscriptions.Http;

namespace Pipelet.Subscriptions.ApiKeys;

/// <summary>The <c>api_keys</c> table.</summary>
internal sealed class ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns = "id, name, prefix, scopes, created_at, last_used_at, revoked_at";

    /// <summary><c>last_used_at</c> is written at most once a minute per key, so using a key is not a write per request.</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<long, DateTimeOffset> _lastTouched = new();

    /// <summary>Stores a new key; returns it with the plaintext, which is never stored.</summary>
    public async Task<(ApiKey Key, string Plaintext)> CreateAsync(string name, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var plaintext = ApiKeyFormat.Generate();
        return (await InsertAsync(plaintext, name, scopes, cancellationToken), plaintext);
    }

    /// <summary>Stores a key whose plaintext the caller chose (the bootstrap key).</summary>
    public async Task<ApiKey> InsertAsync(string plaintext, string name, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO api_keys (name, prefix, hash, scopes) VALUES ($1, $2, $3, $4) RETURNING {Columns}");
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = ApiKeyFormat.Prefix(plaintext) });
        command.Parameters.Add(new() { Value = ApiKeyFormat.Hash(plaintext) });
        command.Parameters.Add(new() { Value = scopes.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    /// <summary>The key with this hash if it exists and is not revoked.</summary>
    public async Task<ApiKey?> FindActiveAsync(byte[] hash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM api_keys WHERE hash = $1 AND revoked_at IS NULL");
        command.Parameters.Add(new() { Value = hash });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>True when a key with this hash was ever stored (revoked or not).</summary>
    public async Task<bool> ExistsAsync(byte[] hash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM api_keys WHERE hash = $1)");
        command.Parameters.Add(new() { Value = hash });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<bool> AnyActiveAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Records that the key was used, cheaply: at most one write per key per minute and process.</summary>
    public async Task TouchAsync(long id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_lastTouched.TryGetValue(id, out var last) && now - last < TouchInterval) return;
        _lastTouched[id] = now;
        await using var command = dataSource.CreateCommand(
            "UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')");
        command.Parameters.Add(new() { Value = id });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Up to <paramref name="count"/> keys with an id above <paramref name="after"/>, by id.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListAsync(long after, int count, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM api_keys WHERE id > $1 ORDER BY id LIMIT $2");
        command.Parameters.Add(new() { Value = after });
        command.Parameters.Add(new() { Value = count });
        var items = new List<ApiKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) items.Add(Read(reader));
        return items;
    }

    /// <summary>Revokes a key (idempotent).</summary>
    /// <returns>The key's hash, so that caches can forget it at once; null when no such key exists.</returns>
    public async Task<byte[]?> RevokeAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING hash");
        command.Parameters.Add(new() { Value = id });
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    private static ApiKey Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetFieldValue<string[]>(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
}
