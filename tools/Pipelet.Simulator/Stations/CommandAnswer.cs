using System.Text.Json.Serialization.Metadata;

namespace Pipelet.Simulator.Stations;

/// <summary>
/// The station's answer to a CSMS CALL: a CALLRESULT payload or a CALLERROR, plus what the station
/// does next (send a triggered message, or get on with a remotely started or stopped session).
/// </summary>
internal sealed record CommandAnswer(
    object? Payload,
    JsonTypeInfo? PayloadType,
    string? ErrorCode = null,
    string? ErrorDescription = null,
    string? Trigger = null,
    bool SessionChanged = false)
{
    public bool IsError => ErrorCode is not null;

    public static CommandAnswer Result<T>(T payload, JsonTypeInfo<T> type) where T : notnull => new(payload, type);

    public static CommandAnswer Error(string code, string description) => new(null, null, code, description);
}
