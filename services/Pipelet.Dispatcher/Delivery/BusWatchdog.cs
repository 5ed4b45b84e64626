using Microsoft.Extensions.Options;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Exits the process when work waits in the queues this instance consumes and none of it has been consumed
/// for <c>Delivery__BusStallTimeout</c>. MassTransit 8.5.12 can lose a receive endpoint for good in a broker
/// restart: a send made inside a consume (a retry onto its rung, a handed-off try) waits forever on its
/// channel's one-time topology setup once that setup failed with the connection (<c>OneTimeContextPayload</c>
/// queues later callers and nothing runs them; <c>MassTransitTopologySetupTests</c> shows it), so that consume
/// never ends, and the endpoint, which restarts only after its consumes end, keeps no consumer on its queue
/// while the bus reports itself healthy. A fresh process always reconnects, and exiting is safe by design:
/// unacknowledged messages go back to their queues, and the delivery log makes a repeat cost at most a
/// duplicate. The supervisor (Kubernetes, the AppHost) restarts the dispatcher.
/// </summary>
public sealed partial class BusWatchdog(
    ConsumeProgress progress,
    RetryQueueDepths depths,
    IOptions<DeliveryOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<BusWatchdog> logger) : BackgroundService
{
    public const int ExitCode = 75; // EX_TEMPFAIL: try again

    /// <summary>A queue depth older than this says nothing about now (the broker may be away).</summary>
    private static readonly TimeSpan FreshDepth = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var limit = options.Value.BusStallTimeout;
        if (limit <= TimeSpan.Zero) return;

        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
            var (waiting, readAt) = depths.Waiting;
            var now = time.GetUtcNow();
            if (waiting > 0 && now - readAt < FreshDepth && now - progress.Last >= limit)
            {
                LogStalled(logger, limit.TotalSeconds, waiting, progress.Last);
                Environment.ExitCode = ExitCode;
                lifetime.StopApplication();
                return;
            }
        }
    }

    [LoggerMessage(LogLevel.Critical,
        "{Waiting} messages wait for this instance and none was consumed for {Seconds} s (last at {LastConsumed:O}); exiting so the supervisor restarts the dispatcher")]
    private static partial void LogStalled(ILogger logger, double seconds, long waiting, DateTimeOffset lastConsumed);
}
