using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Delivery.Intake;

/// <summary>
/// Takes station events off <see cref="RetryQueues.StationEvents"/> with a plain RabbitMQ.Client
/// consumer instead of a MassTransit receive endpoint: the hot path of the dispatcher, where
/// MassTransit's per-message pipeline (deserialize, retry, scope and concurrency filters) cost about
/// half of the CPU per delivery. Up to <see cref="DeliveryOptions.FanOutConcurrency"/> events are in
/// flight (the channel's prefetch), each acknowledged only once its fan-out made every outcome durable
/// (<see cref="IntakeConsumer"/>). Retries, hand-offs and webhook changes stay on MassTransit. The
/// connection is its own and does not recover automatically: when it drops, this loop opens a new one
/// and the broker redelivers whatever was unacknowledged, which resumes from the delivery log.
/// </summary>
public sealed partial class StationEventIntake(
    BrokerConnections broker,
    StationEventFanOut fanOut,
    ConsumeProgress progress,
    IOptions<DeliveryOptions> options,
    ILogger<StationEventIntake> logger) : BackgroundService
{
    /// <summary>How long a stopping intake lets running fan-outs finish before it hands the rest back.</summary>
    private static readonly TimeSpan DrainPatience = TimeSpan.FromSeconds(10);

    private volatile bool _consuming;

    public bool IsConsuming => _consuming;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var failures = 0; !stoppingToken.IsCancellationRequested; failures++)
        {
            try
            {
                await ConsumeAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (failures % 10 == 0) LogReconnecting(logger, RetryQueues.StationEvents, ex.Message);
            }
            finally
            {
                _consuming = false;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        await using var connection = await broker.OpenAsync("station-events", stoppingToken, recover: false);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await StationEventTopology.DeclareAsync(channel, stoppingToken);
        await channel.BasicQosAsync(0, (ushort)Math.Min(options.Value.FanOutConcurrency, ushort.MaxValue), global: false, stoppingToken);

        await using var consumer = new IntakeConsumer(channel, fanOut, progress, logger);
        var consumerTag = await channel.BasicConsumeAsync(RetryQueues.StationEvents, autoAck: false, consumer, stoppingToken);
        _consuming = true;
        LogConsuming(logger, RetryQueues.StationEvents, options.Value.FanOutConcurrency);

        try
        {
            var reason = await consumer.Closed.WaitAsync(stoppingToken);
            throw new IOException($"The station-event channel closed: {reason}");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Stopping: take no more, let what runs finish and be acknowledged, hand the rest back by closing.
        _consuming = false;
        try
        {
            await channel.BasicCancelAsync(consumerTag, noWait: false, CancellationToken.None);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
        }

        await consumer.DrainAsync(DrainPatience);
    }

    [LoggerMessage(LogLevel.Information, "Consuming {Queue} with up to {Prefetch} events in flight")]
    private static partial void LogConsuming(ILogger logger, string queue, int prefetch);

    [LoggerMessage(LogLevel.Warning, "Lost or could not open the connection for {Queue}, reconnecting: {Message}")]
    private static partial void LogReconnecting(ILogger logger, string queue, string message);
}
