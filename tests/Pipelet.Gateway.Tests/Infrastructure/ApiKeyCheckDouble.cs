using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Infrastructure;

/// <summary>
/// A real HTTP endpoint standing in for the subscription service's key check
/// (<c>POST /internal/v1/api-keys/verify</c>), so the gateway's X-API-Key path runs for real.
/// </summary>
internal sealed class ApiKeyCheckDouble : IAsyncDisposable
{
    public const string CommandKey = "test-key-with-stations-command";
    public const string ReadOnlyKey = "test-key-with-webhooks-read";

    private readonly LoopbackServer _server;

    private ApiKeyCheckDouble(LoopbackServer server) => _server = server;

    public string Address => _server.Address.ToString();

    public static async Task<ApiKeyCheckDouble> StartAsync() =>
        new(await LoopbackServer.StartAsync(app => app.MapApiKeyCheck(new Dictionary<string, ApiKeyIdentity>
        {
            [CommandKey] = new("k1", "commands", [ApiScopes.StationsCommand]),
            [ReadOnlyKey] = new("k2", "reader", [ApiScopes.WebhooksRead]),
        })));

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
