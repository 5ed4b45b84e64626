using System.Buffers;
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
    /// <summary>Buffers kept per thread up to this size: one serialization after another reuses them.</summary>
    private const int KeepUpTo = 64 * 1024;

    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;
    [ThreadStatic] private static Utf8JsonWriter? _writer;

    /// <summary>The body's bytes: the only allocation per call, as every try of every delivery serializes its body.</summary>
    public static byte[] Serialize(StationEvent stationEvent)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var json = _writer;
        if (json is null) _writer = json = new Utf8JsonWriter(buffer);
        else json.Reset(buffer);

        json.WriteStartObject();
        json.WriteString("event"u8, stationEvent.Event);
        // Operational events (a webhook disabled) are about no station.
        if (stationEvent.StationId.Length == 0) json.WriteNull("station_id"u8);
        else json.WriteString("station_id"u8, stationEvent.StationId);
        Span<byte> timestamp = stackalloc byte[TimestampLength];
        WriteTimestamp(stationEvent.Timestamp, timestamp);
        json.WriteString("timestamp"u8, timestamp);
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
        json.Flush();
        var body = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > KeepUpTo)
        {
            // A rare huge payload: let its buffer go rather than hold it on this thread for ever.
            _buffer = null;
            _writer = null;
        }

        return body;
    }

    /// <summary>ISO 8601 UTC with exactly three fraction digits, e.g. <c>2026-04-14T12:34:56.789Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp)
    {
        Span<byte> utf8 = stackalloc byte[TimestampLength];
        WriteTimestamp(timestamp, utf8);
        return System.Text.Encoding.ASCII.GetString(utf8);
    }

    private const int TimestampLength = 24; // yyyy-MM-ddTHH:mm:ss.fffZ

    /// <summary>Written digit by digit: a custom format string is parsed again on every call.</summary>
    private static void WriteTimestamp(DateTimeOffset timestamp, Span<byte> utf8)
    {
        var utc = timestamp.UtcDateTime;
        Digits(utf8[..4], utc.Year);
        utf8[4] = (byte)'-';
        Digits(utf8.Slice(5, 2), utc.Month);
        utf8[7] = (byte)'-';
        Digits(utf8.Slice(8, 2), utc.Day);
        utf8[10] = (byte)'T';
        Digits(utf8.Slice(11, 2), utc.Hour);
        utf8[13] = (byte)':';
        Digits(utf8.Slice(14, 2), utc.Minute);
        utf8[16] = (byte)':';
        Digits(utf8.Slice(17, 2), utc.Second);
        utf8[19] = (byte)'.';
        Digits(utf8.Slice(20, 3), utc.Millisecond);
        utf8[23] = (byte)'Z';
    }

    private static void Digits(Span<byte> into, int value)
    {
        for (var i = into.Length - 1; i >= 0; i--)
        {
            into[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}
