using System.Text.Json;

namespace Pipelet.Contracts.Gateway;

/// <summary>
/// Gateway to gateway: run an OCPP command on a station whose socket another instance holds. Sent to
/// the holding instance's own queue (<c>pipelet-gateway-{instanceId}</c>), answered with a
/// <see cref="StationCommandResult"/>.
/// </summary>
public sealed record StationCommandRequest(string StationId, string Action, JsonElement Payload, TimeSpan Timeout);

/// <summary>How a command to a station ended.</summary>
public enum StationCommandStatus
{
    /// <summary>The station answered with a CALLRESULT (<see cref="StationCommandResult.Response"/>).</summary>
    Answered,

    /// <summary>The station answered with a CALLERROR (<see cref="StationCommandResult.ErrorCode"/> and friends).</summary>
    CallError,

    /// <summary>No answer within the command timeout (queueing behind other commands included).</summary>
    Timeout,

    /// <summary>No instance holds a socket for the station.</summary>
    NotConnected,

    /// <summary>The station's socket closed before it answered.</summary>
    Disconnected,

    /// <summary>The command's event could not be stored on the bus, so the command was not sent.</summary>
    EventNotStored,
}

public sealed record StationCommandResult(
    string StationId,
    string Action,
    StationCommandStatus Status,
    JsonElement? Response = null,
    string? ErrorCode = null,
    string? ErrorDescription = null,
    JsonElement? ErrorDetails = null);

/// <summary>
/// Gateway to gateway: a station opened a newer socket on <see cref="InstanceId"/>; the instance that
/// held an older one closes it (the newest connection wins, also across instances).
/// </summary>
public sealed record StationSessionReplaced(string StationId, string InstanceId, Guid SessionId, DateTimeOffset ConnectedAt);
