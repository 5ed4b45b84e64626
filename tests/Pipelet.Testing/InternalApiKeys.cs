namespace Pipelet.Testing;

/// <summary>
/// The keys services under test present to the internal API (<c>InternalApi__Key</c>), and the caller table
/// the subscription service and its stand-ins check them against (<c>InternalApi__CallerKeys__*</c>).
/// </summary>
public static class InternalApiKeys
{
    public const string Gateway = "test-internal-key-of-the-gateway-0000000000";
    public const string Dispatcher = "test-internal-key-of-the-dispatcher-000000";

    /// <summary>Settings that give a subscription service (or stand-in) both callers' keys.</summary>
    public static IReadOnlyDictionary<string, string?> CallerKeys { get; } = new Dictionary<string, string?>
    {
        ["InternalApi:CallerKeys:gateway"] = Gateway,
        ["InternalApi:CallerKeys:dispatcher"] = Dispatcher,
    };

    /// <summary>Whether the request carries <paramref name="key"/> as its bearer token.</summary>
    public static bool Carries(Microsoft.AspNetCore.Http.HttpRequest request, params string[] keys) =>
        keys.Any(key => request.Headers.Authorization.ToString() == "Bearer " + key);
}
