using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Subscriptions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pipelet.Dispatcher.Ordering;

/// <summary>
/// Binds the ordered queue (<see cref="Queue"/>) to the gateway's station events once some webhook asks for ordering,
/// so nobody pays for the feature unused: until then the queue gets nothing. Once this instance's bind is confirmed it
/// tells the <see cref="WebhookDirectory"/>, and its parallel fan-out leaves ordered webhooks to their lanes; before
/// that, they get their events without an order rather than not at all. The binding stays: taking it away while
/// another instance, a moment behind, still counts on it would lose events.
/// </summary>
public sealed partial class OrderedRoute(WebhookDirectory directory, IConnection broker, ILogger<OrderedRoute> logger) : BackgroundService
{
    /// <summary>The queue of ordered delivery: one active consumer at a time over all instances, in the order the events came.</summary>
    public const string Queue = "dispatcher-ordered-station-events";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await directory.Ready.WaitAsync(stoppingToken);
        while (!directory.HasOrdered)
        {
            // The wait returns quietly when stopping: ask the token, or this loop would spin.
            await directory.WaitForChangeAsync(TimeSpan.FromMinutes(1), stoppingToken);
            stoppingToken.ThrowIfCancellationRequested();
        }

        for (var failures = 0; ; failures++)
        {
            try
            {
                await using var channel = await broker.CreateChannelAsync(cancellationToken: stoppingToken);
                await channel.QueueBindAsync(Queue, StationEventExchanges.MessageType, "", cancellationToken: stoppingToken);
                directory.UseOrderedRoute();
                LogBound(logger, Queue);
                return;
            }
            catch (Exception ex) when (ex is OperationInterruptedException or IOException or AlreadyClosedException)
            {
                // The queue or the exchange is not declared yet (the bus is starting), or the broker is away.
                if (failures % 10 == 0) LogWaiting(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Ordered delivery: {Queue} bound to the station events; ordered webhooks get their events through their lanes")]
    private static partial void LogBound(ILogger logger, string queue);

    [LoggerMessage(LogLevel.Warning, "Ordered delivery: could not bind its queue yet: {Message}")]
    private static partial void LogWaiting(ILogger logger, string message);
}
