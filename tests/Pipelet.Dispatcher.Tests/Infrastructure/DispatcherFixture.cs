using System.Net.Http.Headers;
using Pipelet.LocalServers;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// One dispatcher process (ladder <c>1s,1s,2s</c>, timeout 2 s) on a fresh vhost and database, a real
/// receiver, the fake subscription service and a bus to publish on. The webhooks the tests use exist
/// before the dispatcher starts, so its first full read already knows them.
/// </summary>
public sealed class DispatcherFixture : IAsyncLifetime
{
    private readonly RealInfrastructure _infrastructure = new();
    private readonly Dictionary<string, WebhookSubscription> _webhooks = [];

    public Receiver Receiver { get; private set; } = null!;
    public FakeSubscriptions Subscriptions { get; private set; } = null!;
    public DispatcherProcess Dispatcher { get; private set; } = null!;
    public TestBus Bus { get; private set; } = null!;
    public DeliveryDatabase Database { get; private set; } = null!;
    public HttpClient Api { get; private set; } = null!;

    /// <summary>Hooks that fail until a test flips them.</summary>
    public HashSet<string> Failing { get; } = ["ladder", "recover", "delete", "disable"];

    public WebhookSubscription this[string name] => _webhooks[name];

    public async Task InitializeAsync()
    {
        await _infrastructure.InitializeAsync();
        Receiver = await Receiver.StartAsync();
        Subscriptions = await FakeSubscriptions.StartAsync();
        Database = new DeliveryDatabase(_infrastructure.PostgresConnectionString);

        // Each test's webhooks listen to that test's stations only, so tests do not see each other's events.
        Add("ok", ["StartTransaction", "StopTransaction"], stations: ["WALLBOX_001"]);
        Add("cp1-only", ["*"], stations: ["CP-FILTER-1"]);
        Add("everything", ["*"], stations: ["CP-ELSEWHERE", "CP-FILTER-1"]);
        Add("stop-only", ["StopTransaction"], stations: ["CP-ELSEWHERE", "CP-FILTER-1"]);
        Add("ladder", ["*"], stations: ["CP-LADDER"]);
        Add("recover", ["*"], stations: ["CP-RECOVER"]);
        Add("delete", ["*"], stations: ["CP-CANCEL"]);
        Add("disable", ["*"], stations: ["CP-CANCEL"]);
        foreach (var name in new[] { "status503", "timeout", "redirect" }) Add(name, ["*"], stations: ["CP-FAILURES"]);
        Add("refused", ["*"], stations: ["CP-FAILURES"], url: new Uri($"http://127.0.0.1:{FreePort.Next()}/hooks/refused"));

        foreach (var name in Failing.ToList())
        {
            var hook = name;
            Receiver.Behave(hook, _ => Failing.Contains(hook) ? new Answer(500, Body: "nope") : new Answer(200));
        }

        Add("retry-after", ["*"], stations: ["CP-RETRY-AFTER"]);
        Receiver.Behave("retry-after", hit => hit.Attempt == 1 ? new Answer(429, RetryAfter: "2") : new Answer(200));
        Receiver.Behave("status503", _ => new Answer(503, Body: "busy"));
        Receiver.Behave("timeout", _ => new Answer(200, Delay: TimeSpan.FromSeconds(4)));
        Receiver.Behave("redirect", _ => new Answer(302, Location: Receiver.Hook("ok").ToString()));

        Dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(
            _infrastructure.RabbitMqConnectionString, _infrastructure.PostgresConnectionString, Subscriptions.BaseUri));
        Bus = await TestBus.StartAsync(_infrastructure.RabbitMqConnectionString);
        Api = new HttpClient { BaseAddress = new Uri(Dispatcher.BaseUri, "api/v1/") };
        Api.DefaultRequestHeaders.Add("X-API-Key", FakeSubscriptions.AdminKey);
        Api.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    private void Add(string name, IReadOnlyList<string> events, IReadOnlyList<string>? stations = null, Uri? url = null)
    {
        _webhooks[name] = Subscriptions.Subscribe(name, url ?? Receiver.Hook(name), stations, events);
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (Bus is not null) await Bus.DisposeAsync();
        if (Dispatcher is not null) await Dispatcher.DisposeAsync();
        if (Subscriptions is not null) await Subscriptions.DisposeAsync();
        if (Receiver is not null) await Receiver.DisposeAsync();
        await _infrastructure.DisposeAsync();
    }
}
