namespace Pipelet.ServiceDefaults.ApiKeys;

/// <summary>What an API key may do. Each scope is also the name of the authorization policy that requires it.</summary>
public static class ApiScopes
{
    public const string WebhooksRead = "webhooks:read";
    public const string WebhooksWrite = "webhooks:write";
    public const string StationsCommand = "stations:command";
    public const string DeliveriesRead = "deliveries:read";

    public static IReadOnlyList<string> All { get; } = [WebhooksRead, WebhooksWrite, StationsCommand, DeliveriesRead];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
