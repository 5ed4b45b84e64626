using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Pipelet.Gateway.Ocpp.Schemas;

/// <summary>
/// A data type of the OCPP 1.6 message definitions, checking a JSON value the way the official
/// draft-04 schemas do (no additional properties, required fields, lengths, enumerations), and naming
/// the CALLERROR each violation earns:
/// wrong JSON type or a string longer than its CiStringNType → TypeConstraintViolation;
/// a value outside an enumeration or a range → PropertyConstraintViolation;
/// a required field missing or an array below its minimum cardinality → OccurenceConstraintViolation;
/// a property the message does not define → FormationViolation.
/// A valid payload allocates nothing here: names are compared as UTF-8, strings are not materialised, and
/// the path of a value (<see cref="PayloadValidation.Path"/>) is only written out for an error.
/// </summary>
internal abstract class OcppType
{
    public abstract void Validate(JsonElement value, PayloadValidation result);

    /// <summary>The string's UTF-8 bytes as they stand in the document, or empty when it holds escapes (then read it as a string).</summary>
    protected static ReadOnlySpan<byte> Unescaped(JsonElement value, out bool escaped)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length >= 2 && raw[0] == (byte)'"') raw = raw[1..^1];
        escaped = raw.Contains((byte)'\\');
        return escaped ? default : raw;
    }
}

internal sealed class StringType(int? maxLength, string name) : OcppType
{
    public override void Validate(JsonElement value, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            result.Add(OcppErrorCode.TypeConstraintViolation, $"{result.Describe()} must be a string ({name}).");
            return;
        }

        // UTF-8 bytes are never fewer than characters: only a long one is read as a string and counted.
        if (maxLength is { } max && JsonMarshal.GetRawUtf8Value(value).Length > max && value.GetString()!.Length > max)
        {
            result.Add(OcppErrorCode.TypeConstraintViolation, $"{result.Describe()} must be at most {max} characters ({name}).");
        }
    }
}

/// <summary>
/// An absolute URI (anyURI; the official schemas say <c>"format": "uri"</c>): where a station uploads diagnostics
/// or fetches firmware, so a relative or garbled value would only fail later, on the station. Only commands carry
/// one, so reading it as a string here costs nothing that matters.
/// </summary>
internal sealed class AbsoluteUriType : OcppType
{
    public override void Validate(JsonElement value, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            result.Add(OcppErrorCode.TypeConstraintViolation, $"{result.Describe()} must be a string (anyURI).");
            return;
        }

        if (!IsAbsoluteUri(value.GetString()!))
        {
            result.Add(OcppErrorCode.TypeConstraintViolation,
                $"{result.Describe()} must be an absolute URI (anyURI) with its scheme, such as ftp://diagnostics.example.com/uploads/.");
        }
    }

    private static readonly SearchValues<char> UriCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%");

    public static bool IsAbsoluteUri(string text)
    {
        // The RFC 3986 scheme must open the text and stay the URI's scheme: System.Uri alone would take a Unix path
        // ("/tmp/x") or a Windows one ("C:\x") as a file:// URI, and trims surrounding spaces.
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 1 || !char.IsAsciiLetter(text[0])) return false;
        var scheme = text.AsSpan(0, colon);
        foreach (var c in scheme)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.')) return false;
        }

        // Outside ASCII (an IRI) only spaces and controls are refused; within it, what RFC 3986 allows.
        foreach (var c in text)
        {
            if (char.IsAscii(c) ? !UriCharacters.Contains(c) : char.IsWhiteSpace(c) || char.IsControl(c)) return false;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && scheme.Equals(uri.Scheme, StringComparison.OrdinalIgnoreCase);
    }
}

internal sealed class IntegerType(int minimum) : OcppType
{
    public override void Validate(JsonElement value, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            result.Add(OcppErrorCode.TypeConstraintViolation, $"{result.Describe()} must be an integer.");
            return;
        }

        if (number < minimum)
        {
            result.Add(OcppErrorCode.PropertyConstraintViolation, $"{result.Describe()} must be at least {minimum}.");
        }
    }
}

internal sealed class DecimalType : OcppType
{
    public override void Validate(JsonElement value, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            result.Add(OcppErrorCode.TypeConstraintViolation, $"{result.Describe()} must be a number.");
        }
    }
}

internal sealed class BooleanType : OcppType
{
    public override void Validate(JsonElement value, PayloadValidation result)
    {
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            result.Add(OcppErrorCode.TypeConstraintViolation, $"{result.Describe()} must be true or false.");
        }
    }
}

internal sealed class DateTimeType : OcppType
{
    private const int LongestTimestamp = 64;

    public override void Validate(JsonElement value, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.String || !IsTimestamp(value))
        {
            result.Add(OcppErrorCode.TypeConstraintViolation, $"{result.Describe()} must be an ISO 8601 date-time (e.g. 2026-04-14T12:34:56Z).");
        }
    }

    private static bool IsTimestamp(JsonElement value)
    {
        var utf8 = Unescaped(value, out var escaped);
        if (escaped || utf8.Length > LongestTimestamp) return OcppTime.TryParse(value.GetString(), out _);

        Span<char> text = stackalloc char[LongestTimestamp];
        return Encoding.UTF8.TryGetChars(utf8, text, out var length) && OcppTime.TryParse(text[..length], out _);
    }
}

internal sealed class EnumType(IEnumerable<string> values) : OcppType
{
    private readonly string[] _values = values.Distinct(StringComparer.Ordinal).ToArray();
    private readonly byte[][] _utf8Values = values.Distinct(StringComparer.Ordinal).Select(Encoding.UTF8.GetBytes).ToArray();

    public IReadOnlyCollection<string> Values => _values;

    public override void Validate(JsonElement value, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            result.Add(OcppErrorCode.TypeConstraintViolation, $"{result.Describe()} must be a string.");
            return;
        }

        foreach (var allowed in _utf8Values)
        {
            if (value.ValueEquals(allowed)) return;
        }

        result.Add(OcppErrorCode.PropertyConstraintViolation, $"{result.Describe()} must be one of: {string.Join(", ", _values.Order(StringComparer.Ordinal))}.");
    }
}

internal sealed class ArrayType(OcppType item, int minItems) : OcppType
{
    public override void Validate(JsonElement value, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            result.Add(OcppErrorCode.TypeConstraintViolation, $"{result.Describe()} must be an array.");
            return;
        }

        if (value.GetArrayLength() < minItems)
        {
            result.Add(OcppErrorCode.OccurenceConstraintViolation, $"{result.Describe()} must hold at least {minItems} element(s).");
        }

        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            result.Enter(index++);
            item.Validate(element, result);
            result.Leave();
        }
    }
}

/// <summary>A field of a message or of a nested class.</summary>
internal sealed record OcppField(string Name, OcppType Type, bool Required);

internal sealed class ObjectType(IReadOnlyList<OcppField> fields) : OcppType
{
    private readonly OcppField[] _fields = [.. fields];
    private readonly byte[][] _utf8Names = fields.Select(f => Encoding.UTF8.GetBytes(f.Name)).ToArray();

    public override void Validate(JsonElement value, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            result.Add(result.AtRoot ? OcppErrorCode.FormationViolation : OcppErrorCode.TypeConstraintViolation,
                $"{result.Describe()} must be a JSON object.");
            return;
        }

        foreach (var property in value.EnumerateObject())
        {
            result.Enter(property);
            if (Find(property) is { } field)
            {
                field.Type.Validate(property.Value, result);
            }
            else
            {
                result.Add(OcppErrorCode.FormationViolation, $"'{result.Path}' is not a field of this message.");
            }

            result.Leave();
        }

        for (var i = 0; i < _fields.Length; i++)
        {
            if (_fields[i].Required && !value.TryGetProperty(_utf8Names[i], out _))
            {
                var fieldPath = result.PathOf(_fields[i].Name);
                result.Add(fieldPath, OcppErrorCode.OccurenceConstraintViolation, $"'{fieldPath}' is required.");
            }
        }
    }

    /// <summary>A message has a handful of fields: comparing UTF-8 names beats materialising each as a string.</summary>
    private OcppField? Find(JsonProperty property)
    {
        for (var i = 0; i < _utf8Names.Length; i++)
        {
            if (property.NameEquals(_utf8Names[i])) return _fields[i];
        }

        return null;
    }
}

/// <summary>Short constructors so the message definitions read like the specification's tables.</summary>
internal static class T
{
    public static OcppType CiString(int maxLength) => new StringType(maxLength, $"CiString{maxLength}Type");

    public static readonly OcppType Text = new StringType(null, "string");
    public static readonly OcppType AnyUri = new AbsoluteUriType();
    public static readonly OcppType Integer = new IntegerType(int.MinValue);
    public static readonly OcppType NonNegativeInteger = new IntegerType(0);
    public static readonly OcppType PositiveInteger = new IntegerType(1);
    public static readonly OcppType Number = new DecimalType();
    public static readonly OcppType Timestamp = new DateTimeType();
    public static readonly OcppType TrueOrFalse = new BooleanType();

    public static EnumType Enum(params string[] values) => new(values);

    public static OcppType Array(OcppType item, int minItems = 0) => new ArrayType(item, minItems);

    public static ObjectType Object(params OcppField[] fields) => new(fields);

    public static OcppField Required(string name, OcppType type) => new(name, type, true);

    public static OcppField Optional(string name, OcppType type) => new(name, type, false);
}
