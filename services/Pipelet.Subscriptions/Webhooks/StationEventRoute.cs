using Npgsql;
using Pipelet.Contracts.Events;
using RabbitMQ.Client;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// Whether the gateway's station events reach the dispatcher at all: the gateway's exchange is bound on to
/// MassTransit's exchange for <see cref="StationEventBatch"/> (where the dispatcher's queues are) while some webhook is
/// enabled, and unbound while none is, so events nobody wants are confirmed into the broker's drop queue and cost
/// nothing past the exchange (see <see cref="StationEventExchanges"/>). Each sync reads the database under a
/// transaction-scoped advisory lock held until the broker has answered, so syncs of several instances run one after
/// another and the last one leaves what the database said last. <see cref="WebhookChangePublisher"/> syncs at start and
/// before it publishes any webhook change, so the dispatcher never hears of an enabled webhook before its events flow.
/// </summary>
internal sealed partial class StationEventRoute(NpgsqlDataSource dataSource, IServiceProvider services, ILogger<StationEventRoute> logger)
{
    /// <summary>The PostgreSQL advisory lock a sync holds until the broker has answered.</summary>
    internal const long LockId = 7415004;
    private bool? _bound;

    /// <returns>True when the route is bound (some webhook is enabled).</returns>
    public async Task<bool> SyncAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var serialize = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockId})", connection, transaction))
        {
            await serialize.ExecuteNonQueryAsync(cancellationToken);
        }

        bool wanted;
        await using (var anyEnabled = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM webhooks WHERE enabled)", connection, transaction))
        {
            wanted = (bool)(await anyEnabled.ExecuteScalarAsync(cancellationToken))!;
        }

        // Resolved here, not at start: Aspire makes the connection (retrying) when it is first asked for, and a failed
        // sync is retried by the publisher's loop rather than holding up the service's start.
        var broker = services.GetRequiredService<IConnection>();
        await using (var channel = await broker.CreateChannelAsync(cancellationToken: cancellationToken))
        {
            // Either end may not exist yet (the gateway or the dispatcher never started): declared as their owners do.
            await channel.ExchangeDeclareAsync(StationEventExchanges.Gateway, ExchangeType.Fanout, durable: true, autoDelete: false,
                StationEventExchanges.GatewayArguments(), cancellationToken: cancellationToken);
            await channel.ExchangeDeclareAsync(StationEventExchanges.MessageType, ExchangeType.Fanout, durable: true, autoDelete: false,
                cancellationToken: cancellationToken);
            if (wanted)
            {
                await channel.ExchangeBindAsync(StationEventExchanges.MessageType, StationEventExchanges.Gateway, "", cancellationToken: cancellationToken);
            }
            else
            {
                await channel.ExchangeUnbindAsync(StationEventExchanges.MessageType, StationEventExchanges.Gateway, "", cancellationToken: cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        if (_bound != wanted)
        {
            _bound = wanted;
            if (wanted) LogBound(); else LogUnbound();
        }

        return wanted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Station events go to the dispatcher: a webhook is enabled")]
    private partial void LogBound();

    [LoggerMessage(Level = LogLevel.Information, Message = "Station events stop at the broker: no webhook is enabled")]
    private partial void LogUnbound();
}
