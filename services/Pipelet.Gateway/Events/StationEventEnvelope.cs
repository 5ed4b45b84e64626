using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Ocpp;

namespace Pipelet.Gateway.Events;

/// <summary>
/// Writes a <see cref="StationEventBatch"/> in MassTransit's JSON envelope (<c>application/vnd.masstransit+json</c>),
/// the form the dispatcher's MassTransit consumer reads: message type
/// <c>urn:message:Pipelet.Contracts.Events:StationEventBatch</c>, the message camelCased as MassTransit's
/// System.Text.Json serializer writes it, a new UUIDv7 as the envelope's message id. Each event is written
/// once, by the caller that publishes it (<see cref="WriteEvent"/>); a batch only copies those bytes. It goes to the
/// gateway's exchange (<see cref="StationEventExchanges.Gateway"/>), bound on to MassTransit's for the type while webhooks want events.
/// </summary>
internal sealed class StationEventEnvelope
{
    public const string ContentType = "application/vnd.masstransit+json";
    private const string MessageType = "urn:message:Pipelet.Contracts.Events:StationEventBatch";

    /// <summary>What the envelope adds around the events, at most (addresses, host, ids).</summary>
    public const int Overhead = 1024;

    private readonly string _destinationAddress;
    private readonly byte[] _host;

    public StationEventEnvelope(Uri broker)
    {
        var vhost = broker.AbsolutePath.Trim('/');
        _destinationAddress = $"rabbitmq://{broker.Host}:{broker.Port}/{(vhost is "" or "%2F" ? "" : vhost + "/")}{StationEventExchanges.Gateway}";
        _host = HostInfo();
    }

    /// <summary>One element of the batch's <c>events</c> array.</summary>
    public static void WriteEvent(PooledBuffer output, StationEvent stationEvent)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("eventId", stationEvent.EventId);
        writer.WriteString("event", stationEvent.Event);
        writer.WriteString("stationId", stationEvent.StationId);
        writer.WriteString("timestamp", stationEvent.Timestamp);
        // The body's bytes as the station sent them (already parsed, so valid JSON): copied, not re-encoded.
        writer.WritePropertyName("payload");
        writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(stationEvent.Payload), skipInputValidation: true);
        if (stationEvent.TraceParent is not null) writer.WriteString("traceParent", stationEvent.TraceParent);
        writer.WriteEndObject();
    }

    /// <summary>The whole message: the envelope around the events' bytes, in their order.</summary>
    public void WriteBatch(PooledBuffer output, Guid messageId, IReadOnlyList<PendingEvent> events, DateTimeOffset sentTime)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("messageId", messageId);
        writer.WriteString("destinationAddress", _destinationAddress);
        writer.WriteStartArray("messageType");
        writer.WriteStringValue(MessageType);
        writer.WriteEndArray();
        writer.WriteStartObject("message");
        writer.WriteStartArray("events");
        foreach (var pending in events) writer.WriteRawValue(pending.Json.Span, skipInputValidation: true);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteString("sentTime", sentTime);
        // Each event carries its own trace (traceParent): the message as a whole belongs to none of them.
        writer.WriteStartObject("headers");
        writer.WriteEndObject();
        writer.WritePropertyName("host");
        writer.WriteRawValue(_host, skipInputValidation: true);
        writer.WriteEndObject();
    }

    /// <summary>The sending host, as MassTransit describes it (processId a number); written once.</summary>
    private static byte[] HostInfo()
    {
        using var process = Process.GetCurrentProcess();
        var assembly = typeof(StationEventEnvelope).Assembly.GetName();
        using var buffer = new PooledBuffer(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("machineName", Environment.MachineName);
            writer.WriteString("processName", process.ProcessName);
            writer.WriteNumber("processId", Environment.ProcessId);
            writer.WriteString("assembly", assembly.Name);
            writer.WriteString("assemblyVersion", assembly.Version?.ToString());
            writer.WriteString("frameworkVersion", Environment.Version.ToString());
            writer.WriteString("operatingSystemVersion", Environment.OSVersion.ToString());
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
