using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace Pipelet.ServiceDefaults.ApiKeys;

/// <summary>
/// Asks the subscription service's internal endpoint whether a key is valid, and remembers the answer
/// briefly so a busy API does not call it per request. The cache lifetime bounds how long a revoked
/// key keeps working (the product promises 5 s).
/// </summary>
internal sealed class RemoteApiKeyVerifier(HttpClient http, IMemoryCache cache) : IApiKeyVerifier
{
    public const string VerifyPath = "internal/v1/api-keys/verify";
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(4);

    public async ValueTask<ApiKeyIdentity?> VerifyAsync(string key, CancellationToken cancellationToken)
    {
        // Cache under a digest so the plaintext key is not kept around as a dictionary key.
        var cacheKey = "api-key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        if (cache.TryGetValue(cacheKey, out ApiKeyIdentity? cached))
        {
            return cached;
        }

        using var response = await http.PostAsJsonAsync(VerifyPath, new VerifyRequest(key), ApiKeysJson.Default.VerifyRequest, cancellationToken);
        ApiKeyIdentity? identity = response.StatusCode switch
        {
            HttpStatusCode.OK => await response.Content.ReadFromJsonAsync(ApiKeysJson.Default.ApiKeyIdentity, cancellationToken),
            HttpStatusCode.NotFound => null,
            _ => throw new HttpRequestException($"API key check failed with {(int)response.StatusCode}.", null, response.StatusCode),
        };

        cache.Set(cacheKey, identity, CacheLifetime);
        return identity;
    }
}

internal sealed record VerifyRequest(string Key);
