using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Pipelet.Contracts.Events;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pipelet.Testing;

/// <summary>
/// One StationEvent as it arrived on RabbitMQ (an element of the StationEventBatch inside MassTransit's
/// envelope), with the bus message that carried it and how many events that message held.
/// </summary>
public sealed record TappedEvent(Guid EventId, string Event, string StationId, DateTimeOffset Timestamp, JsonElement Payload, string RawTimestamp,
    string? TraceParent, Guid MessageId, int BatchSize);

/// <summary>
/// A plain AMQP consumer (RabbitMQ.Client, not MassTransit) on an exclusive queue bound to the gateway's
/// station-event exchange (<see cref="StationEventExchanges.Gateway"/>): it sees exactly what the broker accepted
/// from the gateway, one batch after another, hands out the events in them in order (<see cref="NextAsync(TimeSpan?)"/>)
/// and counts them by event name and station (for a fleet's thousands, where nobody reads them one by one). Its queue
/// is a route, so the gateway's batches are kept whether or not any webhook wants them.
/// <see cref="StartOnDispatcherSideAsync"/> taps MassTransit's exchange instead: what a dispatcher would get.
/// </summary>
public sealed class EventTap : IAsyncDisposable
{

    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly Channel<TappedEvent> _events = Channel.CreateUnbounded<TappedEvent>();
    private readonly ConcurrentDictionary<string, long> _byEvent = new();
    private readonly ConcurrentDictionary<string, byte> _stations = new();
    private long _total;

    private EventTap(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static Task<EventTap> StartAsync(string rabbitMq) => StartAsync(rabbitMq, dispatcherSide: false);

    /// <summary>A tap on MassTransit's exchange for <see cref="StationEventBatch"/>: what the dispatcher's queues get.</summary>
    public static Task<EventTap> StartOnDispatcherSideAsync(string rabbitMq) => StartAsync(rabbitMq, dispatcherSide: true);

    private static async Task<EventTap> StartAsync(string rabbitMq, bool dispatcherSide)
    {
        var factory = new ConnectionFactory { Uri = new Uri(rabbitMq) };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        // Declared as their owners declare them, so either side may come first.
        string exchange;
        if (dispatcherSide)
        {
            exchange = StationEventExchanges.MessageType;
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        }
        else
        {
            exchange = StationEventExchanges.Gateway;
            await StationEventRouting.DeclareGatewayExchangeAsync(channel);
        }

        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, exchange, "");
        var tap = new EventTap(connection, channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            using var document = JsonDocument.Parse(delivery.Body);
            var messageId = document.RootElement.GetProperty("messageId").GetGuid();
            var events = document.RootElement.GetProperty("message").GetProperty("events");
            var batchSize = events.GetArrayLength();
            foreach (var message in events.EnumerateArray())
            {
                var eventName = message.GetProperty("event").GetString()!;
                var stationId = message.GetProperty("stationId").GetString()!;
                tap._byEvent.AddOrUpdate(eventName, 1, (_, count) => count + 1);
                tap._stations.TryAdd(stationId, 0);
                Interlocked.Increment(ref tap._total);
                tap._events.Writer.TryWrite(new TappedEvent(
                    message.GetProperty("eventId").GetGuid(),
                    eventName,
                    stationId,
                    message.GetProperty("timestamp").GetDateTimeOffset(),
                    message.GetProperty("payload").Clone(),
                    message.GetProperty("timestamp").GetString()!,
                    message.TryGetProperty("traceParent", out var traceParent) ? traceParent.GetString() : null,
                    messageId,
                    batchSize));
            }

            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return tap;
    }

    /// <summary>How many events have arrived so far.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>How many events named <paramref name="eventName"/> have arrived so far.</summary>
    public long Count(string eventName) => _byEvent.TryGetValue(eventName, out var count) ? count : 0;

    /// <summary>How many stations the events so far came from.</summary>
    public int StationCount => _stations.Count;

    /// <summary>Waits until at least <paramref name="expected"/> events have arrived, or <paramref name="timeout"/> passed (the caller asserts).</summary>
    public async Task WaitForAsync(long expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Total < expected && DateTime.UtcNow < deadline) await Task.Delay(TimeSpan.FromMilliseconds(100));
    }

    /// <summary>The next event of any station, within a generous timeout.</summary>
    public async Task<TappedEvent> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        return await _events.Reader.ReadAsync(cts.Token);
    }

    /// <summary>The next event of <paramref name="stationId"/> (others are skipped), within a generous timeout.</summary>
    public async Task<TappedEvent> NextAsync(string stationId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var next = await _events.Reader.ReadAsync(cts.Token);
            if (next.StationId == stationId) return next;
        }
    }

    /// <summary>The next event of the station with the given name, skipping its others.</summary>
    public async Task<TappedEvent> NextAsync(string stationId, string eventName)
    {
        while (true)
        {
            var next = await NextAsync(stationId);
            if (next.Event == eventName) return next;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
