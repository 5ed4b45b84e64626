namespace Pipelet.ServiceDefaults.ApiKeys;

/// <summary>What an API key may do. Each scope is also the name of the authorization policy that requires it.</summary>
public static class ApiScopes
{
    public const string WebhooksRead = "webhooks:read";
    public const string WebhooksWrite = "webhooks:write";
    public const string StationsCommand = "stations:command";
    public const string DeliveriesRead = "deliveries:read";

    /// <summary>
    /// Create, list and revoke API keys. Kept apart from the four product scopes so that an
    /// integration's key cannot mint itself a stronger one; the bootstrap key has it.
    /// </summary>
    public const string ApiKeysManage = "api-keys:manage";

    public static IReadOnlyList<string> All { get; } = [WebhooksRead, WebhooksWrite, StationsCommand, DeliveriesRead, ApiKeysManage];

    /// <summary>What a new key gets when its creator names no scopes: everything but key management.</summary>
    public static IReadOnlyList<string> Default { get; } = [WebhooksRead, WebhooksWrite, StationsCommand, DeliveriesRead];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
