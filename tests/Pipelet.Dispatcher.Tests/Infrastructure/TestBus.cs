using System.Text.Json;
using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>Plays the gateway and the subscription service on the bus: publishes station events and webhook changes.</summary>
public sealed class TestBus : IAsyncDisposable
{
    private readonly IBusControl _bus;

    private TestBus(IBusControl bus) => _bus = bus;

    public static async Task<TestBus> StartAsync(string rabbitMq)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new Uri(rabbitMq)));
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return new TestBus(bus);
    }

    public static StationEvent Event(string name = EventCatalogue.StartTransaction, string station = "CP-1", string payload = """{"connectorId":1,"idTag":"RFID_1","meterStart":12345,"timestamp":"2026-04-14T12:34:56Z"}""") =>
        new(Guid.CreateVersion7(), name, station, DateTimeOffset.UtcNow, JsonDocument.Parse(payload).RootElement.Clone());

    public Task PublishAsync(StationEvent stationEvent) => _bus.Publish(stationEvent);

    /// <summary>Publishes many events, a few hundred in flight at a time.</summary>
    public async Task PublishManyAsync(IEnumerable<StationEvent> events, CancellationToken cancellationToken = default)
    {
        using var gate = new SemaphoreSlim(256);
        var tasks = new List<Task>();
        foreach (var stationEvent in events)
        {
            await gate.WaitAsync(cancellationToken);
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    // A publish may fail while the broker restarts: retry until it is confirmed.
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            await _bus.Publish(stationEvent, cancellationToken);
                            return;
                        }
                        catch (Exception) when (attempt < 120 && !cancellationToken.IsCancellationRequested)
                        {
                            await Task.Delay(500, cancellationToken);
                        }
                    }
                }
                finally
                {
                    gate.Release();
                }
            }, cancellationToken));
        }

        await Task.WhenAll(tasks);
    }

    public Task UpsertAsync(WebhookSubscription webhook) => _bus.Publish(new WebhookUpserted(webhook));

    public Task DeleteAsync(long webhookId) => _bus.Publish(new WebhookDeleted(webhookId, DateTimeOffset.UtcNow));

    public async ValueTask DisposeAsync() => await _bus.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
}
