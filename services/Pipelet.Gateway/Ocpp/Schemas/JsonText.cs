using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace Pipelet.Gateway.Ocpp.Schemas;

/// <summary>
/// Whether a JSON document's text can be read as .NET strings: the reader checks JSON's grammar, not the
/// UTF-8 inside strings nor escaped surrogates (<c>"\ud800"</c>), which throw only when a string is read.
/// Checked before a payload from outside is validated or echoed, so such text is a 400 or 502, not a 500.
/// </summary>
internal static class JsonText
{
    public static bool IsValidUtf8(ReadOnlySpan<byte> utf8) => Utf8.IsValid(utf8);

    /// <summary>
    /// <see cref="IsDecodable"/> for every frame a station sends, at the cost of a scan of its bytes: only a value
    /// whose text holds invalid UTF-8 or a <c>\u</c> escape can fail, and only those are decoded.
    /// </summary>
    public static bool IsDecodableCheaply(JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        return Utf8.IsValid(raw) && (raw.IndexOf("\\u"u8) < 0 || IsDecodable(element));
    }

    /// <summary>True when every property name and string value decodes.</summary>
    public static bool IsDecodable(JsonElement element)
    {
        try
        {
            Decode(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void Decode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    Decode(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) Decode(item);
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}
