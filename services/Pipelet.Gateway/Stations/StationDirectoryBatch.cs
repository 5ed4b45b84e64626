namespace Pipelet.Gateway.Stations;

/// <summary>
/// The registry changes not yet written: the newest session per station to record, and the ended
/// sessions to remove, and the sessions whose last-message time is to be written. A session that opened
/// and closed before any write is simply never recorded.
/// </summary>
internal sealed class StationDirectoryBatch
{
    private readonly Dictionary<string, StationSession> _connects = new(StringComparer.Ordinal);
    private readonly List<StationSession> _disconnects = [];
    private readonly HashSet<StationSession> _spoke = [];

    public IReadOnlyCollection<StationSession> Connects => _connects.Values;

    public IReadOnlyList<StationSession> Disconnects => _disconnects;

    /// <summary>Sessions whose last-message time changed since it was last written.</summary>
    public IReadOnlyCollection<StationSession> Spoke => _spoke;

    public bool IsEmpty => _connects.Count == 0 && _disconnects.Count == 0 && _spoke.Count == 0;

    public void Spoken(StationSession session) => _spoke.Add(session);

    public void Connect(StationSession session) => _connects[session.StationId] = session;

    public void Disconnect(StationSession session)
    {
        if (_connects.TryGetValue(session.StationId, out var pending) && pending == session)
        {
            _connects.Remove(session.StationId);
        }

        // Removed by session id, so it cannot take away a newer connection's row; kept even when the
        // connect was never written, because a write that timed out may have committed after all.
        _disconnects.Add(session);
    }

    public void Clear()
    {
        _connects.Clear();
        _disconnects.Clear();
        _spoke.Clear();
    }
}
