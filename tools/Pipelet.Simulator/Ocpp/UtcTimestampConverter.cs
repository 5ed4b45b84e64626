using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelet.Simulator.Ocpp;

/// <summary>
/// Writes OCPP timestamps the way real chargers do, UTC with milliseconds and a <c>Z</c>
/// (<c>2026-04-14T12:34:56.789Z</c>); reads any ISO 8601 form, with fractions or offsets.
/// </summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }

        throw new JsonException($"Not an ISO 8601 timestamp: '{text}'.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> buffer = stackalloc byte[32];
        value.UtcDateTime.TryFormat(buffer, out var written, Format, CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}
