using System.Threading.Channels;
using MassTransit;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// A MassTransit receive endpoint of its own (deleted when it stops) that collects the messages of the types a test
/// asks for, as the dispatcher would receive them; <see cref="NextAsync{T}"/> waits for one.
/// </summary>
internal sealed class BusListener : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Channel<object> _received = Channel.CreateUnbounded<object>();
    private readonly List<object> _seen = [];
    private IBusControl _bus = null!;

    /// <param name="listen">Registers a handler per message type, e.g. <c>(endpoint, keep) =&gt; endpoint.Handler&lt;WebhookDeleted&gt;(keep)</c>.</param>
    public static async Task<BusListener> StartAsync(string rabbitMq, params Action<IReceiveEndpointConfigurator, BusListener>[] listen)
    {
        var listener = new BusListener();
        listener._bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(new Uri(rabbitMq));
            rabbit.ReceiveEndpoint("subscriptions-tests-" + Guid.NewGuid().ToString("N")[..8], endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Durable = false;
                foreach (var handler in listen) handler(endpoint, listener);
            });
        });
        using var started = new CancellationTokenSource(Patience);
        await listener._bus.StartAsync(started.Token);
        return listener;
    }

    /// <summary>A handler registration that keeps every <typeparamref name="T"/> for <see cref="NextAsync{T}"/>.</summary>
    public static Action<IReceiveEndpointConfigurator, BusListener> Keep<T>()
        where T : class =>
        (endpoint, listener) => endpoint.Handler<T>(context => listener._received.Writer.WriteAsync(context.Message).AsTask());

    /// <summary>The first message of type <typeparamref name="T"/> that matches, in arrival order; others stay for later asks (messages may come in any order).</summary>
    public async Task<T> NextAsync<T>(Func<T, bool> match)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            if (_seen.OfType<T>().FirstOrDefault(match) is { } found)
            {
                _seen.Remove(found);
                return found;
            }

            _seen.Add(await _received.Reader.ReadAsync(timeout.Token));
        }
    }

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
