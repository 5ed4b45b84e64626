namespace Pipelet.Gateway.Stations;

/// <summary>
/// Keeps this instance's part of the cluster registry true: announces the instance at start, refreshes
/// it every few seconds (the stations' own rows are <see cref="StationDirectoryWriter"/>'s), and on shutdown closes every socket
/// (so each gets its Disconnect event while the bus is still up) and withdraws the instance.
/// </summary>
internal sealed class StationDirectoryMaintenance(
    StationDirectory directory,
    StationRegistry registry,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<StationDirectoryMaintenance> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await directory.ForgetInstanceStationsAsync(cancellationToken);
        await directory.RefreshInstanceAsync(_startedAt, cancellationToken);
        // ApplicationStopping fires before Kestrel drains requests; each socket is one long request.
        lifetime.ApplicationStopping.Register(CloseAllSessions);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await directory.RefreshInstanceAsync(_startedAt, stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning(ex, "Could not refresh the station registry");
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await directory.RemoveInstanceAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not withdraw instance from the station registry");
        }
    }

    private void CloseAllSessions()
    {
        var sessions = registry.Sessions.ToList();
        foreach (var session in sessions)
        {
            session.Close(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "Server shutting down", "shutdown");
        }

        // Give the sessions a moment to publish their Disconnect events before the bus stops.
        Task.WhenAll(sessions.Select(s => s.Ended)).Wait(ShutdownGrace);
    }
}
