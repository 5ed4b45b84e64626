namespace Pipelet.Subscriptions.ApiKeys;

/// <summary>A stored API key (never the key itself).</summary>
internal sealed record ApiKey(
    long Id,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt);

/// <summary>Body of <c>POST /api/v1/api-keys</c>. Without <c>scopes</c> a key gets every scope except <c>api-keys:manage</c>.</summary>
public sealed record CreateApiKeyRequest(string? Name, IReadOnlyList<string>? Scopes);

/// <summary>The answer to creating a key: the only time the plaintext <see cref="Key"/> is shown.</summary>
public sealed record CreatedApiKeyResponse(long Id, string Name, string Key, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt)
{
    public override string ToString() => $"CreatedApiKeyResponse {{ Id = {Id}, Name = {Name}, Prefix = {Prefix} }}";
}

/// <summary>An API key as lists show it.</summary>
public sealed record ApiKeyResponse(
    long Id,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    internal static ApiKeyResponse From(ApiKey key) =>
        new(key.Id, key.Name, key.Prefix, key.Scopes, key.CreatedAt, key.LastUsedAt, key.RevokedAt);
}
