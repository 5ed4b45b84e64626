namespace Pipelet.ServiceDefaults.ApiKeys;

/// <summary>Who a valid key belongs to and what it may do; the answer of the key check.</summary>
public sealed record ApiKeyIdentity(string Id, string Name, IReadOnlyList<string> Scopes);

/// <summary>Checks a presented key. The subscription service checks its own table; every other service asks it.</summary>
public interface IApiKeyVerifier
{
    /// <returns>The key's identity, or null when the key is unknown or revoked.</returns>
    ValueTask<ApiKeyIdentity?> VerifyAsync(string key, CancellationToken cancellationToken);
}
