using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>Plays the gateway and the subscription service on the bus: publishes station-event batches and webhook changes.</summary>
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

    /// <summary>
    /// Events per published batch in <see cref="PublishManyAsync"/>: the gateway's default limit (64), which a
    /// gateway under load fills. <c>PIPELET_BENCH_BATCH=1</c> publishes one event per message, as before batches.
    /// </summary>
    public static int BatchSize => int.TryParse(Environment.GetEnvironmentVariable("PIPELET_BENCH_BATCH"), out var n) && n > 0 ? n : 64;

    /// <summary>One event alone in its batch, as a quiet gateway publishes it, carrying the current span as its trace.</summary>
    public Task PublishAsync(StationEvent stationEvent) => PublishBatchAsync([stationEvent]);

    /// <summary>One bus message holding these events; each carries the current span as its trace, as the gateway's do.</summary>
    public Task PublishBatchAsync(IReadOnlyList<StationEvent> events, CancellationToken cancellationToken = default) =>
        _bus.Publish(new StationEventBatch(WithTrace(events)), cancellationToken);

    /// <summary>
    /// Publishes many events the way a gateway under load does: full batches of <see cref="BatchSize"/>, a few
    /// batches in flight (about 256 events in all, as many as the gateway's stations would have waiting).
    /// </summary>
    public async Task PublishManyAsync(IEnumerable<StationEvent> events, CancellationToken cancellationToken = default)
    {
        using var gate = new SemaphoreSlim(Math.Max(4, 256 / BatchSize));
        var tasks = new List<Task>();
        foreach (var batch in events.Chunk(BatchSize))
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
                            await PublishBatchAsync(batch, cancellationToken);
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

    private static IReadOnlyList<StationEvent> WithTrace(IReadOnlyList<StationEvent> events) =>
        Activity.Current?.Id is { } traceParent ? events.Select(e => e with { TraceParent = e.TraceParent ?? traceParent }).ToList() : events;

    /// <summary>Plays a rung letting a batch of retries go: sends it straight to the deliveries queue.</summary>
    public async Task SendRetriesAsync(WebhookDeliveryBatch batch)
    {
        var endpoint = await _bus.GetSendEndpoint(RetryQueues.DeliveriesAddress);
        await endpoint.Send(batch);
    }

    public Task UpsertAsync(WebhookSubscription webhook) => _bus.Publish(new WebhookUpserted(webhook));

    public Task DeleteAsync(long webhookId) => _bus.Publish(new WebhookDeleted(webhookId, DateTimeOffset.UtcNow));

    public async ValueTask DisposeAsync() => await _bus.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
}
