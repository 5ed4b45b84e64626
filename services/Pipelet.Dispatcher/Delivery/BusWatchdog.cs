using MassTransit;
using Microsoft.Extensions.Options;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Exits the process when the bus stays unhealthy too long. Under load, MassTransit 8.4.0 with
/// RabbitMQ.Client 7.1.2 can keep retrying on a connection that a broker restart already closed,
/// and never resume its consumers (the same family as MassTransit issues #5692 and #5865). A fresh
/// process always reconnects, and exiting is safe by design: unacknowledged messages go back to
/// their queues, and the delivery log makes a repeat cost at most a duplicate. The supervisor
/// (Kubernetes, the AppHost) restarts the dispatcher.
/// </summary>
public sealed partial class BusWatchdog(
    IBusControl bus,
    ConsumeProgress progress,
    Telemetry.RetryQueueDepths depths,
    IOptions<DeliveryOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<BusWatchdog> logger) : BackgroundService
{
    public const int ExitCode = 75; // EX_TEMPFAIL: try again

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var limit = options.Value.BusStallTimeout;
        if (limit <= TimeSpan.Zero) return;

        // Give the bus its first connection before judging it.
        await Task.Delay(limit, time, stoppingToken);
        DateTimeOffset? unhealthySince = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var health = bus.CheckHealth();
            var (waiting, readAt) = depths.Waiting;
            var now = time.GetUtcNow();
            // Work waits in our queues, the count is fresh, and nothing was consumed for the whole limit:
            // the consumers are gone even if the bus says it is fine.
            var starving = waiting > 0 && now - readAt < TimeSpan.FromSeconds(15) && now - progress.Last >= limit;
            if (starving)
            {
                LogStalled(logger, limit.TotalSeconds, $"{waiting} messages waiting, none consumed since {progress.Last:O}");
                Environment.ExitCode = ExitCode;
                lifetime.StopApplication();
                return;
            }

            if (health.Status == BusHealthStatus.Healthy)
            {
                unhealthySince = null;
            }
            else
            {
                unhealthySince ??= time.GetUtcNow();
                if (time.GetUtcNow() - unhealthySince >= limit)
                {
                    LogStalled(logger, limit.TotalSeconds, health.Description);
                    Environment.ExitCode = ExitCode;
                    lifetime.StopApplication();
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
        }
    }

    [LoggerMessage(LogLevel.Critical, "The bus has been unhealthy for {Seconds} s ({Description}); exiting so the supervisor restarts the dispatcher")]
    private static partial void LogStalled(ILogger logger, double seconds, string description);
}
