using System.Net.Http.Headers;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// One dispatcher process on a fresh vhost and database, a real receiver, the fake subscription service, a bus to
/// publish on and the delivery log API (admin key). A fixture passes the dispatcher's ladder and settings and adds
/// its webhooks in <see cref="AddWebhooks"/>, which runs before the dispatcher starts, so its first full read
/// already knows them.
/// </summary>
public abstract class DispatcherRig(string retrySchedule = "1s,1s,2s", IReadOnlyDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    private readonly RealInfrastructure _infrastructure = new();

    public Receiver Receiver { get; private set; } = null!;
    public FakeSubscriptions Subscriptions { get; private set; } = null!;
    public DispatcherProcess Dispatcher { get; private set; } = null!;
    public TestBus Bus { get; private set; } = null!;
    public DeliveryDatabase Database { get; private set; } = null!;

    /// <summary>The delivery log API at <c>/api/v1/</c>, with the admin key.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>Subscribes the fixture's webhooks (<see cref="Subscriptions"/>) and sets how the receiver answers them.</summary>
    protected abstract void AddWebhooks();

    public async Task InitializeAsync()
    {
        await _infrastructure.InitializeAsync();
        Receiver = await Receiver.StartAsync();
        Subscriptions = await FakeSubscriptions.StartAsync();
        Database = new DeliveryDatabase(_infrastructure.PostgresConnectionString);
        AddWebhooks();

        Dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(
            _infrastructure.RabbitMqConnectionString, _infrastructure.PostgresConnectionString, Subscriptions.BaseUri,
            RetrySchedule: retrySchedule, Extra: settings));
        Bus = await TestBus.StartAsync(_infrastructure.RabbitMqConnectionString);
        Api = new HttpClient { BaseAddress = new Uri(Dispatcher.BaseUri, "api/v1/") };
        Api.DefaultRequestHeaders.Add("X-API-Key", FakeSubscriptions.AdminKey);
        Api.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
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
