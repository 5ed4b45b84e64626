namespace Pipelet.Gateway.Stations;

/// <summary>A connected station as the stations API shows it (snake_case on the wire).</summary>
internal sealed record StationConnection(string StationId, DateTimeOffset ConnectedSince, DateTimeOffset LastMessageAt, string InstanceId);
