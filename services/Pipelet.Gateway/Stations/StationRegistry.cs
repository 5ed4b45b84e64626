using System.Collections.Concurrent;

namespace Pipelet.Gateway.Stations;

/// <summary>The stations whose sockets this instance holds, one session per identity.</summary>
internal sealed class StationRegistry
{
    private readonly ConcurrentDictionary<string, StationSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    /// <summary>Makes <paramref name="session"/> the station's session; returns the one it replaces.</summary>
    public StationSession? Register(StationSession session)
    {
        StationSession? previous = null;
        _sessions.AddOrUpdate(session.StationId, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        return previous;
    }

    /// <summary>Removes the session unless a newer one has taken its place.</summary>
    public bool Remove(StationSession session) =>
        _sessions.TryRemove(KeyValuePair.Create(session.StationId, session));

    public bool TryGet(string stationId, out StationSession session) =>
        _sessions.TryGetValue(stationId, out session!);

    public IReadOnlyCollection<StationSession> Sessions => (IReadOnlyCollection<StationSession>)_sessions.Values;
}
