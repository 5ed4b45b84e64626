using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Declares the retry ladder in the broker before the bus starts: per distinct wait a fanout exchange
/// and a quorum queue whose messages expire after the wait and are dead-lettered to the deliveries
/// exchange. One wait per queue keeps expiry in arrival order (RabbitMQ expires only at the head).
/// Quorum queues with <c>x-dead-letter-strategy=at-least-once</c> (which needs
/// <c>x-overflow=reject-publish</c>) move a message to the deliveries queue with publisher-confirm
/// semantics, so a broker restart between expiry and arrival cannot lose it; checked on RabbitMQ 3.10.8.
/// </summary>
public sealed partial class RetryTopology(IConnection broker, RetryLadder ladder, ILogger<RetryTopology> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                await DeclareAsync(cancellationToken);
                LogDeclared(logger, ladder.ToString());
                return;
            }
            catch (Exception ex) when (ex is OperationInterruptedException or IOException or AlreadyClosedException && failures < 120)
            {
                // The connection may be recovering from a broker restart.
                LogWaiting(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task DeclareAsync(CancellationToken cancellationToken)
    {
        await using var channel = await broker.CreateChannelAsync(cancellationToken: cancellationToken);

        // The same declaration MassTransit makes for its receive endpoint's exchange.
        await channel.ExchangeDeclareAsync(RetryQueues.Deliveries, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        foreach (var wait in RetryQueues.Waits(ladder))
        {
            var name = RetryQueues.ForWait(wait);
            await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-message-ttl"] = (long)wait.TotalMilliseconds,
                ["x-dead-letter-exchange"] = RetryQueues.Deliveries,
                ["x-dead-letter-strategy"] = "at-least-once",
                ["x-overflow"] = "reject-publish",
            }, cancellationToken: cancellationToken);
            await channel.QueueBindAsync(name, name, "", cancellationToken: cancellationToken);
        }
    }

    [LoggerMessage(LogLevel.Information, "Retry ladder {Ladder} declared in the broker")]
    private static partial void LogDeclared(ILogger logger, string ladder);

    [LoggerMessage(LogLevel.Warning, "Broker not reachable yet for the retry ladder: {Message}")]
    private static partial void LogWaiting(ILogger logger, string message);
}
