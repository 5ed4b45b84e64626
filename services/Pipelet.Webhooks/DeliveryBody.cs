using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Pipelet.Contracts.Events;

namespace Pipelet.Webhooks;

/// <summary>
/// The documented delivery body: <c>{"event", "station_id", "timestamp", "payload"}</c> (<c>station_id</c> null for an
/// operational event), with the
/// timestamp in UTC at millisecond precision and the payload passed through as received.
/// </summary>
public static class DeliveryBody
{
    public static byte[] Serialize(StationEvent stationEvent)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event"u8, stationEvent.Event);
            // Operational events (a webhook disabled) are about no station.
            if (stationEvent.StationId.Length == 0) json.WriteNull("station_id"u8);
            else json.WriteString("station_id"u8, stationEvent.StationId);
            json.WriteString("timestamp"u8, FormatTimestamp(stationEvent.Timestamp));
            json.WritePropertyName("payload"u8);
            if (stationEvent.Payload.ValueKind == JsonValueKind.Undefined)
            {
                json.WriteStartObject();
                json.WriteEndObject();
            }
            else
            {
                stationEvent.Payload.WriteTo(json);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>ISO 8601 UTC with exactly three fraction digits, e.g. <c>2026-04-14T12:34:56.789Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
