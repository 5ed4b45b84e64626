namespace Pipelet.ServiceDefaults.InternalApi;

/// <summary>
/// The credentials of service-to-service calls, bound from <c>InternalApi</c>. A calling service sends its
/// own key (<c>InternalApi__Key</c>); the subscription service, which serves the internal API, knows every
/// caller's key by the caller's name (<c>InternalApi__CallerKeys__gateway</c>, <c>InternalApi__CallerKeys__dispatcher</c>)
/// and so knows who is calling: only the dispatcher may read webhook secrets.
/// </summary>
public sealed class InternalApiOptions
{
    public const string Section = "InternalApi";
    public const int MinimumKeyLength = 32;

    /// <summary>The subscription service's internal address, from <c>services__subscriptions__internal__0</c>.</summary>
    public Uri? SubscriptionsAddress { get; set; }

    /// <summary>The key this service presents when it calls another one.</summary>
    public string? Key { get; set; }

    /// <summary>Who may call this service's internal API: caller name to that caller's key.</summary>
    public Dictionary<string, string> CallerKeys { get; set; } = new(StringComparer.Ordinal);

    internal static bool IsStrongEnough(string? key) =>
        key is { Length: >= MinimumKeyLength } && key.All(c => c is > ' ' and <= '~');
}

/// <summary>The services that call the internal API, named as the AppHost names them.</summary>
public static class InternalCallers
{
    public const string Gateway = "gateway";
    public const string Dispatcher = "dispatcher";
}
