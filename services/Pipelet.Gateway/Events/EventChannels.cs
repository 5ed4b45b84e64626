using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Pipelet.Gateway.Events;

/// <summary>
/// The gateway's own AMQP connection for events, apart from MassTransit's bus: a few channels with
/// publisher confirms tracked by RabbitMQ.Client and no limit on outstanding confirms (each channel's
/// publish loop bounds its batches in flight). MassTransit 8.4 costs about four times the CPU per
/// confirmed publish here (docs/benchmarks/gateway.md). A connection or channel the broker closed is
/// reopened on next use, so during an outage each publish fails fast and the station retries.
/// </summary>
internal sealed class EventChannels(IConfiguration configuration, IOptions<GatewayOptions> options, ILogger<EventChannels> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _open = new(1, 1);
    private readonly Uri _broker = new(configuration.GetRequiredConnectionString(Connections.RabbitMqConnectionName));
    private IConnection? _connection;
    private IChannel?[] _channels = [];
    private int _next;

    public Uri Broker => _broker;

    /// <summary>A channel that was open a moment ago; opens the connection (and declares the exchange) on first use.</summary>
    public ValueTask<IChannel> NextAsync(CancellationToken cancellationToken) =>
        GetAsync((int)((uint)Interlocked.Increment(ref _next) % (uint)options.Value.EventPublishChannels), cancellationToken);

    /// <summary>Channel <paramref name="index"/> (each publish loop has its own), reopened if the broker closed it.</summary>
    public async ValueTask<IChannel> GetAsync(int index, CancellationToken cancellationToken)
    {
        var channels = Volatile.Read(ref _channels);
        if (index < channels.Length && channels[index] is { IsOpen: true } open) return open;
        return await ReopenAsync(index, cancellationToken);
    }

    private async Task<IChannel> ReopenAsync(int index, CancellationToken cancellationToken)
    {
        await _open.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not { IsOpen: true })
            {
                if (_connection is not null) await _connection.DisposeAsync();
                _connection = null;
                var factory = new ConnectionFactory
                {
                    Uri = _broker,
                    ClientProvidedName = "pipelet-gateway-events",
                    // Reopened here on next use instead: a publish during an outage fails at once.
                    AutomaticRecoveryEnabled = false,
                };
                _connection = await factory.CreateConnectionAsync(cancellationToken);
                Volatile.Write(ref _channels, new IChannel?[options.Value.EventPublishChannels]);
                logger.LogInformation("Event connection to RabbitMQ open with {Channels} channel(s)", options.Value.EventPublishChannels);
            }

            var channels = _channels;
            for (var i = 0; i < channels.Length; i++)
            {
                if (channels[i] is { IsOpen: true }) continue;
                if (channels[i] is { } closed) await closed.DisposeAsync();
                // No rate limiter: RabbitMQ.Client's default one would delay publishes once 64 confirms are outstanding.
                var channel = await _connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
                        outstandingPublisherConfirmationsRateLimiter: null), cancellationToken);
                // As MassTransit declares a message type's exchange, so either may come first.
                await channel.ExchangeDeclareAsync(StationEventEnvelope.Exchange, ExchangeType.Fanout, durable: true, autoDelete: false,
                    cancellationToken: cancellationToken);
                channels[i] = channel;
            }

            return channels[index]!;
        }
        finally
        {
            _open.Release();
        }
    }

    /// <summary>Takes a channel out of use (it is closed and replaced on next use).</summary>
    public void Discard(IChannel channel)
    {
        var channels = Volatile.Read(ref _channels);
        var index = Array.IndexOf(channels, channel);
        if (index >= 0 && Interlocked.CompareExchange(ref channels[index], null, channel) == channel)
        {
            logger.LogWarning("An event channel failed; it is replaced");
            _ = channel.CloseAsync().ContinueWith(closing =>
            {
                _ = closing.Exception; // a channel that cannot even close is just dropped
                channel.Dispose();
            }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            if (channel is not null) await channel.DisposeAsync();
        }

        if (_connection is not null) await _connection.DisposeAsync();
        _open.Dispose();
    }
}
