using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipelet.Gateway.Ocpp;

/// <summary>OCPP dateTime values: ISO 8601 with optional fraction and offset (errata), written in UTC.</summary>
internal static partial class OcppTime
{
    /// <summary>UTC with milliseconds, the form we send (<c>2026-04-14T12:34:56.789Z</c>).</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Accepts <c>2026-04-14T12:34:56Z</c>, fractions of any length, and offsets (<c>+02:00</c>, <c>+0200</c>).
    /// A timestamp without an offset is read as UTC: some chargers omit the "Z" and UTC is what 1.6 recommends.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is not null && TryParse(text.AsSpan(), out value);
    }

    /// <inheritdoc cref="TryParse(string?, out DateTimeOffset)"/>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (!IsoDateTime().IsMatch(text)) return false;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDateTime();
}
