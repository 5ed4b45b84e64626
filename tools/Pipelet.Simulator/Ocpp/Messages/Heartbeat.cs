namespace Pipelet.Simulator.Ocpp.Messages;

internal sealed record HeartbeatRequest
{
    /// <summary>Heartbeat.req has no fields: one shared instance is enough.</summary>
    public static readonly HeartbeatRequest Instance = new();
}

internal sealed record HeartbeatResponse(DateTimeOffset CurrentTime);
