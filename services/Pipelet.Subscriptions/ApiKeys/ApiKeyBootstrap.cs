using Microsoft.Extensions.Options;
using Npgsql;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.Subscriptions.Extensions;

namespace Pipelet.Subscriptions.ApiKeys;

/// <summary>
/// First start: when no active key exists, creates <c>Api__BootstrapKey</c> with every scope, or, without
/// that setting, generates a key and prints it once in the log. Runs after the migrations, before the
/// server takes requests, under an advisory lock so two instances starting together create one key.
/// </summary>
internal sealed partial class ApiKeyBootstrap(
    NpgsqlDataSource dataSource,
    ApiKeyStore store,
    IOptions<ApiOptions> options,
    ILogger<ApiKeyBootstrap> logger) : IHostedService
{
    private const long LockId = 7415003;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var acquire = new NpgsqlCommand($"SELECT pg_advisory_lock({LockId})", connection))
        {
            await acquire.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await EnsureKeyAsync(cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockId})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureKeyAsync(CancellationToken cancellationToken)
    {
        if (await store.AnyActiveAsync(cancellationToken)) return;

        var configured = options.Value.BootstrapKey;
        if (!string.IsNullOrEmpty(configured))
        {
            if (!await store.ExistsAsync(ApiKeyFormat.Hash(configured), cancellationToken))
            {
                var key = await store.InsertAsync(configured, "bootstrap", ApiScopes.All, cancellationToken);
                LogBootstrapKeyCreated(key.Id, key.Prefix);
                return;
            }

            // A revoked key stays revoked, even when the configuration still names it.
            LogBootstrapKeyRevoked();
        }

        var (generated, plaintext) = await store.CreateAsync("bootstrap", ApiScopes.All, cancellationToken);
        // The one deliberate exception to "API keys never appear in logs": nobody could use the
        // service otherwise. It is printed once, when the key is created, and never again.
        LogGeneratedKey(generated.Id, plaintext);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the bootstrap API key {KeyId} ({Prefix}...) from Api:BootstrapKey with every scope")]
    private partial void LogBootstrapKeyCreated(long keyId, string prefix);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Api:BootstrapKey names a revoked key; generating a new one instead")]
    private partial void LogBootstrapKeyRevoked();

    [LoggerMessage(Level = LogLevel.Warning, Message = "==== PIPELET FIRST START: API key {KeyId} created with every scope; it is shown only now, store it: X-API-Key: {ApiKey} ====")]
    private partial void LogGeneratedKey(long keyId, string apiKey);
}
