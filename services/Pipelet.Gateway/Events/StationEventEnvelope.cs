using System.Diagnostics;
using System.Text.Json;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Ocpp;

namespace Pipelet.Gateway.Events;

/// <summary>
/// Writes a <see cref="StationEvent"/> in MassTransit's JSON envelope
/// (<c>application/vnd.masstransit+json</c>), the form the dispatcher's MassTransit consumer reads:
/// message type <c>urn:message:Pipelet.Contracts.Events:StationEvent</c>, the message camelCased
/// as MassTransit's System.Text.Json serializer writes it, the envelope's message id = the event id.
/// </summary>
internal sealed class StationEventEnvelope
{
    public const string ContentType = "application/vnd.masstransit+json";
    public const string Exchange = "Pipelet.Contracts.Events:StationEvent";

    /// <summary>Where MassTransit carries the W3C id of the sending span, to continue the trace on consume.</summary>
    public const string TraceHeader = MassTransit.Logging.DiagnosticHeaders.ActivityId;
    private const string MessageType = "urn:message:Pipelet.Contracts.Events:StationEvent";

    private readonly string _destinationAddress;
    private readonly byte[] _host;

    public StationEventEnvelope(Uri broker)
    {
        var vhost = broker.AbsolutePath.Trim('/');
        _destinationAddress = $"rabbitmq://{broker.Host}:{broker.Port}/{(vhost is "" or "%2F" ? "" : vhost + "/")}{Exchange}";
        _host = HostInfo();
    }

    public void Write(PooledBuffer output, StationEvent stationEvent, DateTimeOffset sentTime, string? traceParent)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("messageId", stationEvent.EventId);
        writer.WriteString("destinationAddress", _destinationAddress);
        writer.WriteStartArray("messageType");
        writer.WriteStringValue(MessageType);
        writer.WriteEndArray();
        writer.WriteStartObject("message");
        writer.WriteString("eventId", stationEvent.EventId);
        writer.WriteString("event", stationEvent.Event);
        writer.WriteString("stationId", stationEvent.StationId);
        writer.WriteString("timestamp", stationEvent.Timestamp);
        writer.WritePropertyName("payload");
        stationEvent.Payload.WriteTo(writer);
        writer.WriteEndObject();
        writer.WriteString("sentTime", sentTime);
        writer.WriteStartObject("headers");
        if (traceParent is not null) writer.WriteString(TraceHeader, traceParent);
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
