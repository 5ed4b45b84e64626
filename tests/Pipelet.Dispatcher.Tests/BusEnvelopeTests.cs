using System.Text;
using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Delivery.Intake;
using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Tests;

/// <summary>The intake reads MassTransit's envelope itself; these are the shapes MassTransit and the gateway write.</summary>
public sealed class BusEnvelopeTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void Reads_the_event_and_the_trace_header_of_a_gateway_envelope()
    {
        var eventId = NewId.NextGuid();
        var body = $$$"""
            {"messageId":"{{{eventId}}}","destinationAddress":"rabbitmq://localhost:5672/Pipelet.Contracts.Events:StationEvent",
             "messageType":["urn:message:Pipelet.Contracts.Events:StationEvent"],
             "message":{"eventId":"{{{eventId}}}","event":"StartTransaction","stationId":"CP-1","timestamp":"2026-04-14T12:34:56.789+00:00","payload":{"connectorId":1,"idTag":"RFID_1"}},
             "sentTime":"2026-04-14T12:34:56.8+00:00","headers":{"MT-Activity-Id":"{{{TraceParent}}}"},"host":{"machineName":"x","processId":1}}
            """;

        var stationEvent = BusEnvelope.TryRead(Encoding.UTF8.GetBytes(body), new BasicProperties(), out var traceParent);

        Assert.NotNull(stationEvent);
        Assert.Equal(eventId, stationEvent.EventId);
        Assert.Equal(EventCatalogue.StartTransaction, stationEvent.Event);
        Assert.Equal("CP-1", stationEvent.StationId);
        Assert.Equal(new DateTimeOffset(2026, 4, 14, 12, 34, 56, 789, TimeSpan.Zero), stationEvent.Timestamp);
        Assert.Equal("RFID_1", stationEvent.Payload.GetProperty("idTag").GetString());
        Assert.Equal(TraceParent, traceParent);
    }

    [Fact]
    public void Prefers_the_transport_header_for_the_trace()
    {
        var body = """{"message":{"eventId":"0195f0c4-0000-7000-8000-000000000001","event":"Heartbeat","stationId":"CP-2","timestamp":"2026-04-14T12:00:00Z","payload":{}}}""";
        var properties = new BasicProperties { Headers = new Dictionary<string, object?> { [BusEnvelope.TraceHeader] = Encoding.UTF8.GetBytes(TraceParent) } };

        Assert.NotNull(BusEnvelope.TryRead(Encoding.UTF8.GetBytes(body), properties, out var traceParent));
        Assert.Equal(TraceParent, traceParent);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"messageId":"0195f0c4-0000-7000-8000-000000000001"}""")]
    [InlineData("""{"message":{"eventId":"0195f0c4-0000-7000-8000-000000000001","timestamp":"2026-04-14T12:00:00Z","payload":{}}}""")]
    public void A_message_without_a_station_event_reads_as_none(string body) =>
        Assert.Null(BusEnvelope.TryRead(Encoding.UTF8.GetBytes(body), new BasicProperties(), out _));
}
