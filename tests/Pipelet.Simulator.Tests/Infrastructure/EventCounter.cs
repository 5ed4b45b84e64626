using System.Collections.Concurrent;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pipelet.Simulator.Tests.Infrastructure;

/// <summary>
/// Counts the StationEvents the broker accepted from the gateway, by event name, on an exclusive queue
/// bound to the StationEventBatch exchange (declared the way MassTransit declares it, so either may come first);
/// each message carries one or more events.
/// </summary>
internal sealed class EventCounter : IAsyncDisposable
{
    public const string Exchange = "Pipelet.Contracts.Events:StationEventBatch";

    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private long _total;

    private EventCounter(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public ConcurrentDictionary<string, long> ByEvent { get; } = new();

    public ConcurrentDictionary<string, byte> Stations { get; } = new();

    public long Total => Interlocked.Read(ref _total);

    public static async Task<EventCounter> StartAsync(string rabbitMq)
    {
        var factory = new ConnectionFactory { Uri = new Uri(rabbitMq) };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, Exchange, "");
        var counter = new EventCounter(connection, channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            using var document = JsonDocument.Parse(delivery.Body);
            foreach (var message in document.RootElement.GetProperty("message").GetProperty("events").EnumerateArray())
            {
                counter.ByEvent.AddOrUpdate(message.GetProperty("event").GetString()!, 1, (_, count) => count + 1);
                counter.Stations.TryAdd(message.GetProperty("stationId").GetString()!, 0);
                Interlocked.Increment(ref counter._total);
            }

            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return counter;
    }

    public long Count(string eventName) => ByEvent.TryGetValue(eventName, out var count) ? count : 0;

    /// <summary>Waits until at least <paramref name="expected"/> events have arrived (or the timeout passes).</summary>
    public async Task WaitForAsync(long expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Total < expected && DateTime.UtcNow < deadline) await Task.Delay(TimeSpan.FromMilliseconds(100));
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
