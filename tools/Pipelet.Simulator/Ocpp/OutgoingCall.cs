using System.Text.Json.Serialization.Metadata;

namespace Pipelet.Simulator.Ocpp;

/// <summary>
/// A CALL a station is about to send: the action, its payload with the payload's serializer metadata,
/// and, when the caller needs the answer, the metadata to read the CALLRESULT payload with.
/// </summary>
internal sealed record OutgoingCall(string Action, object Payload, JsonTypeInfo PayloadType, JsonTypeInfo? ResponseType = null);
