using System.Globalization;
using Microsoft.Extensions.Caching.Memory;
using Pipelet.ServiceDefaults.ApiKeys;

namespace Pipelet.Subscriptions.ApiKeys;

/// <summary>
/// Checks keys against this service's own table (every other service asks the internal endpoint).
/// Answers are cached for at most 4 s under the key's hash; revoking here also forgets the cached answer at once.
/// </summary>
internal sealed class LocalApiKeyVerifier(ApiKeyStore store, IMemoryCache cache) : IApiKeyVerifier
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(4);

    public async ValueTask<ApiKeyIdentity?> VerifyAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeyFormat.Hash(key);
        var cacheKey = CacheKey(hash);
        if (cache.TryGetValue(cacheKey, out ApiKeyIdentity? cached))
        {
            return cached;
        }

        var identity = await VerifyUncachedAsync(hash, cancellationToken);
        cache.Set(cacheKey, identity, CacheLifetime);
        return identity;
    }

    /// <summary>The authoritative answer, straight from the table (the internal endpoint uses this: its callers cache).</summary>
    public async Task<ApiKeyIdentity?> VerifyUncachedAsync(byte[] hash, CancellationToken cancellationToken)
    {
        var found = await store.FindActiveAsync(hash, cancellationToken);
        if (found is null) return null;
        await store.TouchAsync(found.Id, cancellationToken);
        return new ApiKeyIdentity(found.Id.ToString(CultureInfo.InvariantCulture), found.Name, found.Scopes);
    }

    public void Forget(byte[] hash) => cache.Remove(CacheKey(hash));

    private static string CacheKey(byte[] hash) => "api-key:" + Convert.ToHexString(hash);
}
