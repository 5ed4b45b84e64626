using System.Threading.Channels;
using Pipelet.Contracts.Gateway;
using Pipelet.Gateway.Peers;

namespace Pipelet.Gateway.Stations;

/// <summary>
/// Takes the cluster registry off the connect path: sockets opening and closing only queue a change
/// here, and one writer applies what gathered in <see cref="BatchWindow"/> as one round trip. A failed
/// write is logged and retried with the changes that arrived since; it never touches a station's socket.
/// After each write it tells other instances whose stations moved here to close their old sockets, and
/// closes its own sockets whose stations have connected again elsewhere in the meantime. It
/// also writes the stations' last-message times every few seconds: with one writer per instance, its
/// statements cannot deadlock each other on the same rows.
/// </summary>
internal sealed class StationDirectoryWriter(
    StationDirectory directory,
    StationRegistry registry,
    GatewayPeers peers,
    GatewayInstance instance,
    TimeProvider time,
    ILogger<StationDirectoryWriter> logger) : BackgroundService
{
    public static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the stations' last-message times are written (the stations API reads them).</summary>
    public static readonly TimeSpan LastMessagePeriod = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(15);

    private readonly Channel<(StationSession Session, bool Connected)> _changes =
        Channel.CreateUnbounded<(StationSession, bool)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly StationDirectoryBatch _pending = new();

    public void Connected(StationSession session) => _changes.Writer.TryWrite((session, true));

    public void Disconnected(StationSession session) => _changes.Writer.TryWrite((session, false));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        var nextLastMessages = time.GetUtcNow() + LastMessagePeriod;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (_pending.IsEmpty && await WaitForChangesAsync(nextLastMessages - time.GetUtcNow(), stoppingToken))
            {
                await Task.Delay(BatchWindow, time, stoppingToken);
            }

            while (_changes.Reader.TryRead(out var change))
            {
                if (change.Connected) _pending.Connect(change.Session);
                else _pending.Disconnect(change.Session);
            }

            if (time.GetUtcNow() >= nextLastMessages)
            {
                nextLastMessages = time.GetUtcNow() + LastMessagePeriod;
                foreach (var session in registry.Sessions)
                {
                    if (session.TakeLastMessageChange()) _pending.Spoken(session);
                }
            }

            if (_pending.IsEmpty) continue;
            try
            {
                var changes = await directory.ApplyAsync(_pending.Connects, _pending.Disconnects, _pending.Spoke, stoppingToken);
                _pending.Clear();
                retry = FirstRetry;
                CloseSuperseded(changes.Superseded);
                await NotifyPreviousHoldersAsync(changes.Moved, stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning(ex, "Could not write {Connects} connects and {Disconnects} disconnects to the station registry; retrying in {Delay}",
                    _pending.Connects.Count, _pending.Disconnects.Count, retry);
                await Task.Delay(retry, time, stoppingToken);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
            }
        }
    }

    /// <summary>True when changes arrived, false when <paramref name="timeout"/> passed first.</summary>
    private async Task<bool> WaitForChangesAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        if (timeout <= TimeSpan.Zero) return _changes.Reader.TryPeek(out _);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        wait.CancelAfter(timeout);
        try
        {
            return await _changes.Reader.WaitToReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The station connected again elsewhere and that write landed first (so its instance found no row of
    /// ours to replace): the older socket here is closed by us instead.
    /// </summary>
    private void CloseSuperseded(IReadOnlyList<StationSession> superseded)
    {
        foreach (var session in superseded)
        {
            if (registry.TryGet(session.StationId, out var current) && current == session)
            {
                session.CloseReplaced();
            }
        }
    }

    /// <summary>A station that was held by another instance reconnected here: that instance closes its old socket.</summary>
    private async Task NotifyPreviousHoldersAsync(IReadOnlyList<StationMove> moved, CancellationToken cancellationToken)
    {
        foreach (var move in moved)
        {
            await peers.TellSessionReplacedAsync(move.PreviousInstanceId,
                new StationSessionReplaced(move.Session.StationId, instance.Id, move.Session.SessionId, move.Session.ConnectedAt), cancellationToken);
        }
    }
}
