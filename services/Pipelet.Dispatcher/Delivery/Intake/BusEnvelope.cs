using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipelet.Contracts.Events;
using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Delivery.Intake;

/// <summary>
/// MassTransit's JSON envelope (<c>application/vnd.masstransit+json</c>) as the gateway, and any
/// MassTransit publisher, writes a <see cref="StationEvent"/>: the message camelCased, the sender's
/// span id in the <c>MT-Activity-Id</c> header (transport header, or the envelope's own headers).
/// Only what the dispatcher needs is read; the rest of the envelope is skipped.
/// </summary>
public sealed record BusEnvelope(Guid? MessageId, StationEvent? Message, Dictionary<string, JsonElement>? Headers)
{
    public const string TraceHeader = "MT-Activity-Id";

    /// <summary>The station event in <paramref name="body"/>, or null when it holds none (a malformed message).</summary>
    public static StationEvent? TryRead(ReadOnlySpan<byte> body, IReadOnlyBasicProperties properties, out string? traceParent)
    {
        object? header = null;
        properties.Headers?.TryGetValue(TraceHeader, out header);
        traceParent = header switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            _ => null,
        };

        BusEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(body, BusEnvelopeJson.Default.BusEnvelope);
        }
        catch (JsonException)
        {
            return null;
        }

        if (envelope?.Message is not { Event: not null, StationId: not null } message) return null;
        if (traceParent is null && envelope.Headers?.GetValueOrDefault(TraceHeader) is { ValueKind: JsonValueKind.String } inEnvelope)
        {
            traceParent = inEnvelope.GetString();
        }

        return message;
    }
}

/// <summary>Source-generated reading of <see cref="BusEnvelope"/> (MassTransit writes camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BusEnvelope))]
internal sealed partial class BusEnvelopeJson : JsonSerializerContext;
