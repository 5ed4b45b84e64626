extern alias console;
extern alias dispatcher;
extern alias gateway;
extern alias subscriptions;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using Pipelet.Client;
using Pipelet.LocalServers;
using Pipelet.Testing;

namespace Pipelet.Console.Tests;

/// <summary>
/// The real system behind the console, as the AppHost wires it (the subscription service as the public edge, the
/// gateway, the dispatcher, one RabbitMQ virtual host and a database each on the shared real servers), the console
/// itself, a webhook receiver, and a headless Chromium. Everything runs on free loopback ports and is stopped at the end.
/// </summary>
public sealed class ConsoleSystem : IAsyncLifetime
{
    /// <summary>The first key of the system (every scope), as an operator would paste it.</summary>
    public const string BootstrapKey = "hcpms_live_ConsoleBootstrapKey0000000000000";

    private readonly RealInfrastructure _infrastructure = new();
    private readonly List<IAsyncDisposable> _started = [];
    private volatile bool _flakyHealed;

    public Uri ConsoleAddress { get; private set; } = default!;

    /// <summary>The dispatcher, which serves the delivery log behind the edge; its log has a line per request.</summary>
    internal ServiceApp<dispatcher::Program> Dispatcher { get; private set; } = default!;

    public Uri ApiAddress { get; private set; } = default!;

    public Uri OcppAddress { get; private set; } = default!;

    /// <summary>
    /// Failed tries in a row that pause a webhook (<c>Delivery__PauseAfterFailures</c>): above the six of the flaky
    /// webhook's two events (three tries each), so that test sees every try, and reached by a few events to <c>/down</c>.
    /// </summary>
    public const int PauseAfterFailures = 9;

    /// <summary>The subscription service's internal API, which only the gateway and the dispatcher may call.</summary>
    private Uri _subscriptionsInternal = default!;

    /// <summary>The receiver: <c>/ok</c> answers 200; <c>/flaky</c> answers 500 until <see cref="HealFlakyReceiver"/>; <c>/down</c> always 503.</summary>
    public Uri ReceiverAddress { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    internal ServiceApp<console::Program> Console { get; private set; } = default!;

    private IPlaywright? _playwright;

    public void HealFlakyReceiver() => _flakyHealed = true;

    public async Task InitializeAsync()
    {
        await _infrastructure.InitializeAsync();
        var rabbitMq = _infrastructure.RabbitMqConnectionString;

        var receiver = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/ok", () => Results.Text("thanks", statusCode: 200));
            app.MapPost("/down", () => Results.Text("down for maintenance", statusCode: 503));
            app.MapPost("/flaky", () => _flakyHealed ? Results.Text("thanks", statusCode: 200) : Results.Text("not today: the receiver is down", statusCode: 500));
        });
        _started.Add(receiver);
        ReceiverAddress = receiver.Address;

        var apiPort = FreePort.Next();
        var internalPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        var dispatcherPort = FreePort.Next();
        var consolePort = FreePort.Next();
        var subscriptionsInternal = $"http://127.0.0.1:{internalPort}/";
        _subscriptionsInternal = new Uri(subscriptionsInternal);
        ApiAddress = new Uri($"http://127.0.0.1:{apiPort}/api/v1/");
        OcppAddress = new Uri($"ws://127.0.0.1:{gatewayPort}/ocpp/");
        ConsoleAddress = new Uri($"http://127.0.0.1:{consolePort}/");

        var subscriptions = new ServiceApp<subscriptions::Program>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:subscriptionsdb"] = _infrastructure.PostgresConnectionString,
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["Webhooks:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Api:InternalPort"] = internalPort.ToString(CultureInfo.InvariantCulture),
            ["Api:BootstrapKey"] = BootstrapKey,
            ["services:gateway:http:0"] = $"http://127.0.0.1:{gatewayPort}/",
            ["services:dispatcher:http:0"] = $"http://127.0.0.1:{dispatcherPort}/",
            ["Delivery:AllowPrivateNetworks"] = "true",
            ["InternalApi:CallerKeys:gateway"] = InternalApiKeys.Gateway,
            ["InternalApi:CallerKeys:dispatcher"] = InternalApiKeys.Dispatcher,
        }, apiPort, internalPort);
        await StartAsync(subscriptions, apiPort);

        var gateway = new ServiceApp<gateway::Program>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:gatewaydb"] = await _infrastructure.CreateDatabaseAsync(),
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["services:subscriptions:internal:0"] = subscriptionsInternal,
            ["InternalApi:Key"] = InternalApiKeys.Gateway,
        }, gatewayPort);
        var dispatcher = new ServiceApp<dispatcher::Program>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:dispatcherdb"] = await _infrastructure.CreateDatabaseAsync(),
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["services:subscriptions:internal:0"] = subscriptionsInternal,
            ["InternalApi:Key"] = InternalApiKeys.Dispatcher,
            ["Delivery:AllowPrivateNetworks"] = "true",
            // Two quick retries: a failing receiver is dead-lettered within seconds.
            ["Delivery:RetrySchedule"] = "1s,1s",
            ["Delivery:Timeout"] = "00:00:05",
            ["Delivery:PauseAfterFailures"] = PauseAfterFailures.ToString(CultureInfo.InvariantCulture),
            // Each request's line (with its query), so tests see what the console asked the delivery log for.
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        }, dispatcherPort);
        Dispatcher = dispatcher;
        await Task.WhenAll(StartAsync(gateway, gatewayPort), StartAsync(dispatcher, dispatcherPort));

        Console = new ServiceApp<console::Program>(new Dictionary<string, string?>
        {
            ["Console:ApiUrl"] = $"http://127.0.0.1:{apiPort}/",
            // Everything the console logs is kept and searched for keys (ConsoleTests), so log it all.
            ["Logging:LogLevel:Default"] = "Debug",
        }, consolePort);
        await StartAsync(Console, consolePort);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("PIPELET_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        });
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    /// <summary>Starts <paramref name="app"/> and waits until its <c>/health</c> on <paramref name="port"/> answers 200.</summary>
    private async Task StartAsync<T>(ServiceApp<T> app, int port) where T : class
    {
        _started.Add(app);
        await Task.Run(app.StartServer);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{typeof(T).Assembly.GetName().Name} did not become healthy:{Environment.NewLine}{string.Join(Environment.NewLine, app.LogLines.TakeLast(40))}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Our client of the public API with <paramref name="apiKey"/>.</summary>
    public PipeletClient Client(string apiKey = BootstrapKey) => PipeletClient.Create(new Uri(ApiAddress, "/"), apiKey);

    /// <summary>
    /// Disables the webhook as failing, by the call the dispatcher makes once none of its deliveries succeeded for
    /// <c>Delivery__DisableAfter</c> (days): the subscription service's internal <c>disable-failing</c>, with the dispatcher's key.
    /// </summary>
    public async Task DisableAsFailingAsync(long webhookId, DateTimeOffset since, int failures, string lastError)
    {
        using var http = new HttpClient { BaseAddress = _subscriptionsInternal };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", InternalApiKeys.Dispatcher);
        using var response = await http.PostAsJsonAsync($"internal/v1/webhooks/{webhookId}/disable-failing",
            new { since, failures, last_error = lastError });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A fresh browser session (no cookies) on the console.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = ConsoleAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
        });
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            try
            {
                await _started[i].DisposeAsync();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
            {
            }
        }

        await _infrastructure.DisposeAsync();
    }
}
