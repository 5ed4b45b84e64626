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

    [Theory]
    [InlineData("2026-04-14T12:34:56.789+02:00")]
    [InlineData("0001-01-01T00:00:00.000+00:00")]
    [InlineData("9999-12-31T23:59:59.999+00:00")]
    [InlineData("2026-12-31T23:00:00.5-05:30")]
    [InlineData("2026-01-02T03:04:05.0069999+00:00")]
    public void Timestamps_are_utc_with_exactly_three_fraction_digits(string timestamp)
    {
        var at = DateTimeOffset.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), DeliveryBody.FormatTimestamp(at));
    }

    [Fact]
    public void Bodies_serialized_one_after_another_on_one_thread_do_not_share_bytes()
    {
        var small = new StationEvent(Guid.CreateVersion7(), "Heartbeat", "CP-1", DateTimeOffset.UnixEpoch, JsonDocument.Parse("{}").RootElement);
        var large = small with { Payload = JsonDocument.Parse($$"""{"data":"{{new string('x', 100_000)}}"}""").RootElement };

        var first = DeliveryBody.Serialize(large);
        var second = DeliveryBody.Serialize(small);
        var third = DeliveryBody.Serialize(small);

        Assert.InRange(first.Length, 100_000, 100_200);
        Assert.Equal("""{"event":"Heartbeat","station_id":"CP-1","timestamp":"1970-01-01T00:00:00.000Z","payload":{}}""", Encoding.UTF8.GetString(second));
        Assert.Equal(second, third);
    }
}
