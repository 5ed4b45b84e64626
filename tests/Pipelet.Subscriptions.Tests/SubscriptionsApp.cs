extern alias subscriptions;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipelet.Client;
using Pipelet.LocalServers;
using Pipelet.Testing;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// The real subscription service on Kestrel (a public and an internal port), against the fixture's real
/// PostgreSQL database and RabbitMQ virtual host, with stand-in gateway and dispatcher upstreams.
/// </summary>
public sealed class SubscriptionsApp : WebApplicationFactory<subscriptions::Program>
{
    public const string BootstrapKey = "hcpms_live_TestBootstrapKey0000000000000000";

    private readonly Dictionary<string, string?> _settings;

    public SubscriptionsApp(RealInfrastructure infrastructure, StandInServer gateway, StandInServer dispatcher, IDictionary<string, string?>? settings = null)
    {
        PublicPort = FreePort.Next();
        InternalPort = FreePort.Next();
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:subscriptionsdb"] = infrastructure.PostgresConnectionString,
            ["ConnectionStrings:rabbitmq"] = infrastructure.RabbitMqConnectionString,
            ["Webhooks:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Api:InternalPort"] = InternalPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Api:BootstrapKey"] = BootstrapKey,
            ["services:gateway:http:0"] = gateway.Address.ToString(),
            ["services:dispatcher:http:0"] = dispatcher.Address.ToString(),
            ["Delivery:AllowPrivateNetworks"] = "false",
        };
        foreach (var (key, value) in InternalApiKeys.CallerKeys) _settings[key] = value;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
        UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, PublicPort);
            kestrel.Listen(IPAddress.Loopback, InternalPort);
        });
    }

    public int PublicPort { get; }

    public int InternalPort { get; }

    /// <summary>Every log line the app wrote, formatted.</summary>
    public ConcurrentQueue<string> LogLines { get; } = new();

    public Uri PublicAddress => new($"http://127.0.0.1:{PublicPort}/");

    public Uri InternalAddress => new($"http://127.0.0.1:{InternalPort}/");

    /// <summary>A client of the public port, sending <paramref name="apiKey"/> (none when null).</summary>
    public HttpClient Public(string? apiKey = BootstrapKey)
    {
        var client = new HttpClient { BaseAddress = PublicAddress };
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        return client;
    }

    /// <summary>Our client on the public port, sending <paramref name="apiKey"/>.</summary>
    public PipeletClient Client(string apiKey = BootstrapKey) => PipeletClient.Create(PublicAddress, apiKey);

    /// <summary>A client of the internal port, presenting <paramref name="callerKey"/> (none when null).</summary>
    public HttpClient Internal(string? callerKey = InternalApiKeys.Dispatcher)
    {
        var client = new HttpClient { BaseAddress = InternalAddress };
        if (callerKey is not null) client.DefaultRequestHeaders.Authorization = new("Bearer", callerKey);
        return client;
    }

    /// <summary>Waits until the edge has read both upstreams' documents (it reads them in the background from the start).</summary>
    public async Task WaitUntilForwardingAsync()
    {
        var routes = Services.GetRequiredService<subscriptions::Pipelet.Subscriptions.Edge.UpstreamRoutes>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (routes.Documents.Count < 2)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The edge did not read the gateway's and dispatcher's OpenAPI documents within 30 s.");
            await Task.Delay(20);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.UseEnvironment("Production");
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(new CapturingLoggerProvider(LogLines)));
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}

/// <summary>
/// One running service per test class: the real infrastructure, the two upstream stand-ins and the app.
/// Derive to change settings.
/// </summary>
public class SubscriptionsAppFixture : IAsyncLifetime
{
    private readonly RealInfrastructure _infrastructure = new();

    public SubscriptionsApp App { get; private set; } = null!;

    public StandInServer Gateway { get; private set; } = null!;

    public StandInServer Dispatcher { get; private set; } = null!;

    public string RabbitMqConnectionString => _infrastructure.RabbitMqConnectionString;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        await _infrastructure.InitializeAsync();
        Gateway = await StandInServer.StartAsync("gateway", ApiDocuments.Read("gateway"));
        Dispatcher = await StandInServer.StartAsync("dispatcher", ApiDocuments.Read("dispatcher"));
        App = new SubscriptionsApp(_infrastructure, Gateway, Dispatcher, Settings);
        App.StartServer();
        await App.WaitUntilForwardingAsync();
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Gateway.DisposeAsync();
        await Dispatcher.DisposeAsync();
        await _infrastructure.DisposeAsync();
    }
}
