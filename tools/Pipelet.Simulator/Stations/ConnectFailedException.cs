namespace Pipelet.Simulator.Stations;

/// <summary>The WebSocket handshake failed; <see cref="Reason"/> is a short category for the report (e.g. "HTTP 404").</summary>
internal sealed class ConnectFailedException(string reason, Exception? inner = null)
    : Exception($"Connect failed: {reason}", inner)
{
    public string Reason { get; } = reason;
}
