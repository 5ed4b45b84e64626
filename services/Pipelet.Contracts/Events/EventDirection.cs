using System.Text.Json.Serialization;

namespace Pipelet.Contracts.Events;

/// <summary>Which side of the OCPP link originates the message behind an event.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EventDirection>))]
public enum EventDirection
{
    /// <summary>Station → CSMS.</summary>
    StationToCsms,

    /// <summary>CSMS → Station.</summary>
    CsmsToStation,

    /// <summary>Either side may send it (DataTransfer).</summary>
    Both,

    /// <summary>Raised by Pipelet itself (Connect, Disconnect).</summary>
    Internal,
}
