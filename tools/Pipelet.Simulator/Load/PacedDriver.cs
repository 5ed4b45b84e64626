using System.Threading.Channels;
using Pipelet.Simulator.Stations;

namespace Pipelet.Simulator.Load;

/// <summary>
/// Drives session CALLs at a total rate across the fleet (or as fast as possible): a fixed number of
/// workers (the concurrency) each wait for a turn from the <see cref="CallPacer"/>, take an idle
/// station from the pool, run its next session step and put it back. A station is stepped by one
/// worker at a time; its heartbeats keep their own clock.
/// </summary>
internal sealed class PacedDriver(FleetContext fleet, CallPacer pacer)
{
    private readonly Channel<ChargePoint> _idle = Channel.CreateUnbounded<ChargePoint>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public CallPacer Pacer => pacer;

    /// <summary>A connected, booted station joins the pool (once, however often it reconnects).</summary>
    public void Ready(ChargePoint station)
    {
        if (station.TryEnterPool()) _idle.Writer.TryWrite(station);
    }

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, fleet.Options.Concurrency).Select(_ => WorkAsync(cancellationToken)));

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await pacer.WaitTurnAsync(cancellationToken);
                var station = await _idle.Reader.ReadAsync(cancellationToken);
                try
                {
                    if (station.IsOnline) await station.SessionStepAsync();
                }
                finally
                {
                    Return(station);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Return(ChargePoint station)
    {
        if (station.IsOnline && !fleet.Stopping)
        {
            _idle.Writer.TryWrite(station);
            return;
        }

        // Offline: leave the pool; it comes back through Ready when it reconnects (or now, if it just did).
        station.LeavePool();
        if (station.IsOnline && !fleet.Stopping) Ready(station);
    }
}
