using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace Pipelet.ServiceDefaults.ApiKeys;

/// <summary>The subscription service's key check, on its internal port.</summary>
public interface IApiKeyCheckApi
{
    /// <returns>200 with the key's identity, or 404 when the key is unknown or revoked.</returns>
    [Post("/internal/v1/api-keys/verify")]
    Task<IApiResponse<ApiKeyIdentity>> VerifyAsync([Body] VerifyApiKeyRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Asks the subscription service whether a key is valid, and remembers the answer briefly so a busy
/// API does not call it per request. The cache lifetime bounds how long a revoked key keeps working
/// (the product promises 5 s). The client is made only on a cache miss: a cached answer costs no HTTP client.
/// </summary>
internal sealed class RemoteApiKeyVerifier(IServiceProvider services, IMemoryCache cache) : IApiKeyVerifier
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(4);

    public async ValueTask<ApiKeyIdentity?> VerifyAsync(string key, CancellationToken cancellationToken)
    {
        // Cache under a digest so the plaintext key is not kept around as a dictionary key.
        var cacheKey = "api-key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        if (cache.TryGetValue(cacheKey, out ApiKeyIdentity? cached))
        {
            return cached;
        }

        var keyCheck = services.GetRequiredService<IApiKeyCheckApi>();
        using var response = await keyCheck.VerifyAsync(new VerifyApiKeyRequest(key), cancellationToken);
        ApiKeyIdentity? identity = response.StatusCode switch
        {
            HttpStatusCode.OK => response.Content,
            HttpStatusCode.NotFound => null,
            _ => throw new HttpRequestException($"API key check failed with {response.StatusCode}.", null, response.StatusCode),
        };

        cache.Set(cacheKey, identity, CacheLifetime);
        return identity;
    }
}

/// <summary>The body of the key check. The key never prints.</summary>
public sealed record VerifyApiKeyRequest(string? Key)
{
    public override string ToString() => "VerifyApiKeyRequest { Key = *** }";
}
