using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipelet.Gateway.Tests.Infrastructure;

/// <summary>
/// A real HTTP endpoint standing in for the subscription service's key check
/// (<c>POST /internal/v1/api-keys/verify</c>), so the gateway's X-API-Key path runs for real.
/// </summary>
internal sealed class ApiKeyCheckDouble : IAsyncDisposable
{
    public const string CommandKey = "test-key-with-stations-command";
    public const string ReadOnlyKey = "test-key-with-webhooks-read";

    private readonly WebApplication _app;

    private ApiKeyCheckDouble(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public static async Task<ApiKeyCheckDouble> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/internal/v1/api-keys/verify", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            return body.RootElement.GetProperty("key").GetString() switch
            {
                CommandKey => Results.Json(new { id = "k1", name = "commands", scopes = new[] { "stations:command" } }),
                ReadOnlyKey => Results.Json(new { id = "k2", name = "reader", scopes = new[] { "webhooks:read" } }),
                _ => Results.NotFound(),
            };
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiKeyCheckDouble(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
