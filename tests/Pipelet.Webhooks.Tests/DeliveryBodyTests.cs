using System.Text;
using System.Text.Json;
using Pipelet.Contracts.Events;

namespace Pipelet.Webhooks.Tests;

public sealed class DeliveryBodyTests
{
    [Fact]
    public void The_body_is_exactly_event_station_id_timestamp_payload()
    {
        var payload = JsonDocument.Parse("""{"connectorId":1,"idTag":"RFID_12345678","meterStart":12345,"timestamp":"2026-04-14T12:34:56Z","transactionId":42}""").RootElement;
        var stationEvent = new StationEvent(Guid.CreateVersion7(), "StartTransaction", "WALLBOX_001",
            new DateTimeOffset(2026, 4, 14, 14, 34, 56, 789, TimeSpan.FromHours(2)), payload);

        var body = Encoding.UTF8.GetString(DeliveryBody.Serialize(stationEvent));

        Assert.Equal(
            """{"event":"StartTransaction","station_id":"WALLBOX_001","timestamp":"2026-04-14T12:34:56.789Z","payload":{"connectorId":1,"idTag":"RFID_12345678","meterStart":12345,"timestamp":"2026-04-14T12:34:56Z","transactionId":42}}""",
            body);
    }
}
