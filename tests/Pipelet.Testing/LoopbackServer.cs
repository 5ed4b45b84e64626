using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Pipelet.Testing;

/// <summary>
/// A real HTTP server on a free loopback port, for what a test plays itself: a webhook receiver, an
/// OTLP collector, another service's internal endpoint. Disposing it stops it.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app)
    {
        _app = app;
        Address = new Uri(app.Urls.First().TrimEnd('/') + "/");
    }

    /// <summary>The base address, ending in a slash (<c>http://127.0.0.1:port/</c>).</summary>
    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="map">The routes and middleware to serve.</param>
    /// <param name="configure">Changes to the builder before the app is built (Kestrel protocols, services).</param>
    public static async Task<LoopbackServer> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        configure?.Invoke(builder); // first, so Kestrel endpoint defaults it sets apply to the listener below
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new LoopbackServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
