using System.Diagnostics.Metrics;
using RabbitMQ.Client;

using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Reads how many messages wait in each of the dispatcher's queues (<see cref="Queues"/>) every few seconds
/// and exposes them as the observable gauge <c>pipelet.dispatcher.retry.queue.depth</c>, tagged <c>queue</c>.
/// </summary>
public sealed partial class RetryQueueDepths : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly IConnection _broker;
    private readonly RetryLadder _ladder;
    private readonly TimeProvider _time;
    private readonly ILogger<RetryQueueDepths> _logger;
    private volatile IReadOnlyList<Measurement<long>> _depths = [];
    private long _waiting;
    private long _waitingReadTicks;

    /// <summary>Messages waiting for this service's consumers (<see cref="ConsumedHere"/>), and when that was read.</summary>
    public (long Messages, DateTimeOffset ReadAt) Waiting =>
        (Interlocked.Read(ref _waiting), new DateTimeOffset(Interlocked.Read(ref _waitingReadTicks), TimeSpan.Zero));

    public RetryQueueDepths(IConnection broker, RetryLadder ladder, IMeterFactory meters, TimeProvider time, ILogger<RetryQueueDepths> logger)
    {
        _broker = broker;
        _ladder = ladder;
        _time = time;
        _logger = logger;
        meters.Create(DeliveryTelemetry.Name).CreateObservableGauge("pipelet.dispatcher.retry.queue.depth", () => _depths, "{message}",
            "Messages waiting per dispatcher queue (tag queue): each retry rung's TTL queue and the step-aside queue " +
            "(dispatcher-retry-<wait>ms), the deliveries queue (dispatcher-deliveries), the slow lane " +
            "(dispatcher-deliveries-slow) and the station events (dispatcher-station-events).");
    }

    /// <summary>
    /// Every queue the gauge reports: the TTL queue of each wait (the rungs and the step-aside wait), then the
    /// queues this service consumes.
    /// </summary>
    public static IReadOnlyList<string> Queues(RetryLadder ladder) =>
        [.. RetryQueues.Waits(ladder).Select(RetryQueues.ForWait), .. ConsumedHere];

    /// <summary>The queues whose messages wait for this service's consumers (a rung's wait for its TTL instead).</summary>
    public static IReadOnlyList<string> ConsumedHere { get; } = [RetryQueues.Deliveries, RetryQueues.SlowDeliveries, RetryQueues.StationEvents];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queues = Queues(_ladder);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    var depths = new List<Measurement<long>>(queues.Count);
                    foreach (var queue in queues)
                    {
                        // A passive declare that fails closes its channel: one channel per question.
                        await using var channel = await _broker.CreateChannelAsync(cancellationToken: stoppingToken);
                        try
                        {
                            var ok = await channel.QueueDeclarePassiveAsync(queue, stoppingToken);
                            depths.Add(new Measurement<long>(ok.MessageCount, new KeyValuePair<string, object?>("queue", queue)));
                        }
                        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
                        {
                            // Not declared yet (the consumed queues before the bus starts).
                        }
                    }

                    _depths = depths;
                    Interlocked.Exchange(ref _waiting, depths
                        .Where(d => d.Tags[0].Value is string queue && ConsumedHere.Contains(queue))
                        .Sum(d => d.Value));
                    Interlocked.Exchange(ref _waitingReadTicks, _time.GetUtcNow().UtcTicks);
                    await Task.Delay(Interval, _time, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(_logger, ex.Message);
                await Task.Delay(Interval, _time, stoppingToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Debug, "Could not read retry queue depths: {Message}")]
    private static partial void LogFailed(ILogger logger, string message);
}
