using Microsoft.Extensions.Options;
using Pipelet.Contracts.Events;
using RabbitMQ.Client;

namespace Pipelet.Gateway.Events;

/// <summary>
/// The gateway's event channels on the connection Aspire.RabbitMQ.Client registers, apart from MassTransit's
/// bus: a few channels with publisher confirms tracked by RabbitMQ.Client and no limit on outstanding confirms
/// (each channel's publish loop bounds its batches in flight). MassTransit costs about four times the CPU per
/// confirmed publish here (docs/benchmarks/gateway.md). The connection recovers by itself after a broker
/// restart; while it is down, opening a channel fails at once, so each publish fails fast and the station retries.
/// </summary>
internal sealed class EventChannels(IConnection connection, IConfiguration configuration, IOptions<GatewayOptions> options, ILogger<EventChannels> logger)
    : IAsyncDisposable
{
    private readonly SemaphoreSlim _open = new(1, 1);
    private readonly IChannel?[] _channels = new IChannel?[options.Value.EventPublishChannels];
    private int _next;

    /// <summary>The broker's address (as the bus sees it, for the envelope's addresses).</summary>
    public Uri Broker { get; } = new(configuration.GetConnectionString(Messaging.RabbitMqConnectionName)
        ?? throw new InvalidOperationException($"ConnectionStrings__{Messaging.RabbitMqConnectionName} is missing."));

    /// <summary>A channel that was open a moment ago; opens it (and declares the exchanges) on first use.</summary>
    public ValueTask<IChannel> NextAsync(CancellationToken cancellationToken) =>
        GetAsync((int)((uint)Interlocked.Increment(ref _next) % (uint)_channels.Length), cancellationToken);

    /// <summary>Channel <paramref name="index"/> (each publish loop has its own), reopened if the broker closed it.</summary>
    public async ValueTask<IChannel> GetAsync(int index, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _channels[index]) is { IsOpen: true } open) return open;
        return await ReopenAsync(index, cancellationToken);
    }

    private async Task<IChannel> ReopenAsync(int index, CancellationToken cancellationToken)
    {
        await _open.WaitAsync(cancellationToken);
        try
        {
            if (_channels[index] is { IsOpen: true } open) return open;
            if (_channels[index] is { } closed)
            {
                _channels[index] = null;
                await closed.DisposeAsync();
            }

            // No rate limiter: RabbitMQ.Client's default one would delay publishes once 64 confirms are outstanding.
            // Throws at once while the connection is down (it recovers on its own).
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
                    outstandingPublisherConfirmationsRateLimiter: null), cancellationToken);
            await DeclareAsync(channel, cancellationToken);
            Volatile.Write(ref _channels[index], channel);
            return channel;
        }
        finally
        {
            _open.Release();
        }
    }

    /// <summary>
    /// The gateway's exchange and, behind it, where the broker drops the batches nobody wants (see
    /// <see cref="StationEventExchanges"/>): with the drop queue bound, a batch routed nowhere else is still confirmed.
    /// Whether anyone wants them is the subscription service's call (it binds the gateway's exchange on to the dispatcher).
    /// </summary>
    private static async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(StationEventExchanges.Unwanted, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(StationEventExchanges.UnwantedQueue, durable: true, exclusive: false, autoDelete: false,
            StationEventExchanges.UnwantedQueueArguments(), cancellationToken: cancellationToken);
        await channel.QueueBindAsync(StationEventExchanges.UnwantedQueue, StationEventExchanges.Unwanted, "", cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(StationEventExchanges.Gateway, ExchangeType.Fanout, durable: true, autoDelete: false,
            StationEventExchanges.GatewayArguments(), cancellationToken: cancellationToken);
    }

    /// <summary>Takes a channel out of use (it is closed and replaced on next use).</summary>
    public void Discard(IChannel channel)
    {
        var index = Array.IndexOf(_channels, channel);
        if (index >= 0 && Interlocked.CompareExchange(ref _channels[index], null, channel) == channel)
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

        _open.Dispose();
    }
}
