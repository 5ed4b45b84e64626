using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Pipelet.Gateway.Extensions;

namespace Pipelet.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway, composed exactly as Program.cs composes it, on Kestrel at a free loopback port,
/// against the test class's own RabbitMQ virtual host and PostgreSQL database.
/// </summary>
internal sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The https endpoint, when the settings configure one (Kestrel:Endpoints).</summary>
    public Uri? SecureAddress { get; private init; }

    /// <summary>Where stations connect: <c>ws://127.0.0.1:{port}/ocpp/</c>, the station id appended.</summary>
    public Uri OcppUri => new($"ws://{BaseAddress.Authority}/ocpp/");

    public Uri SecureStationUri(string encodedStationId) =>
        new($"wss://{(SecureAddress ?? throw new InvalidOperationException("No https endpoint configured.")).Authority}/ocpp/{encodedStationId}");

    public static async Task<GatewayServer> StartAsync(string rabbitMq, string database, IDictionary<string, string?>? settings = null,
        Action<KestrelServerOptions>? kestrel = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayOptions).Assembly.GetName().Name,
            EnvironmentName = "Testing",
        });
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:gatewaydb"] = database,
            ["Gateway:RequireApiKey"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) configuration[key] = value;
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (kestrel is not null) builder.WebHost.ConfigureKestrel(kestrel);

        builder.AddServiceDefaults();
        builder.AddApplicationServices();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGateway();

        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        // With Kestrel endpoints in the settings (TLS tests) there may be an https address too: the API uses plain http.
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var address = addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal));
        var server = new GatewayServer(app, new Uri(address.TrimEnd('/') + "/"))
        {
            SecureAddress = addresses.FirstOrDefault(a => a.StartsWith("https://", StringComparison.Ordinal)) is { } secure ? new Uri(secure) : null,
        };
        try
        {
            await server.WaitUntilReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>
    /// Waits until this instance holds the station's session. A station sees the handshake's 101 a moment before
    /// the gateway registers its session, and a command sent in between finds no station (404).
    /// </summary>
    public async Task WaitUntilHeldAsync(string stationId)
    {
        var registry = Services.GetRequiredService<Pipelet.Gateway.Stations.StationRegistry>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!registry.TryGet(stationId, out _))
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>Waits for /health (database and bus connected), as an orchestrator would before sending traffic.</summary>
    private async Task WaitUntilReadyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync("/health", timeout.Token);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Http.Dispose();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
