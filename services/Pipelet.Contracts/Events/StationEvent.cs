using System.Text.Json;

namespace Pipelet.Contracts.Events;

/// <summary>
/// One OCPP message (or connection change) as it travels on the bus from the gateway to the
/// dispatcher. A webhook delivery body is exactly <c>{event, station_id, timestamp, payload}</c>
/// taken from this record; <see cref="EventId"/> becomes the delivery's <c>webhook-id</c> dedupe key.
/// </summary>
/// <param name="EventId">UUIDv7, unique per event; stable across retries.</param>
/// <param name="Event">One of <see cref="EventCatalogue.All"/>, spelled exactly.</param>
/// <param name="StationId">The OCPP charge point identity.</param>
/// <param name="Timestamp">When the gateway received or sent the message, UTC, millisecond precision.</param>
/// <param name="Payload">The raw OCPP body (StartTransaction also carries the assigned transactionId).</param>
/// <param name="TraceParent">
/// W3C <c>traceparent</c> of the gateway span that published the event. It travels with the event, not in a
/// message header, because a <see cref="StationEventBatch"/> carries many events and each keeps its own trace.
/// </param>
public sealed record StationEvent(
    Guid EventId,
    string Event,
    string StationId,
    DateTimeOffset Timestamp,
    JsonElement Payload,
    string? TraceParent = null);
