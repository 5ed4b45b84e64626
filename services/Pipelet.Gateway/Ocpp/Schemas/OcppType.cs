using System.Collections.Frozen;
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
/// </summary>
internal abstract class OcppType
{
    public abstract void Validate(JsonElement value, string path, PayloadValidation result);

    protected static string Describe(string path) => path.Length == 0 ? "The payload" : $"'{path}'";
}

internal sealed class StringType(int? maxLength, string name) : OcppType
{
    public override void Validate(JsonElement value, string path, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            result.Add(path, OcppErrorCode.TypeConstraintViolation, $"{Describe(path)} must be a string ({name}).");
            return;
        }

        if (maxLength is { } max && value.GetString()!.Length > max)
        {
            result.Add(path, OcppErrorCode.TypeConstraintViolation, $"{Describe(path)} must be at most {max} characters ({name}).");
        }
    }
}

internal sealed class IntegerType(int minimum) : OcppType
{
    public override void Validate(JsonElement value, string path, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            result.Add(path, OcppErrorCode.TypeConstraintViolation, $"{Describe(path)} must be an integer.");
            return;
        }

        if (number < minimum)
        {
            result.Add(path, OcppErrorCode.PropertyConstraintViolation, $"{Describe(path)} must be at least {minimum}.");
        }
    }
}

internal sealed class DecimalType : OcppType
{
    public override void Validate(JsonElement value, string path, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            result.Add(path, OcppErrorCode.TypeConstraintViolation, $"{Describe(path)} must be a number.");
        }
    }
}

internal sealed class DateTimeType : OcppType
{
    public override void Validate(JsonElement value, string path, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.String || !OcppTime.TryParse(value.GetString(), out _))
        {
            result.Add(path, OcppErrorCode.TypeConstraintViolation, $"{Describe(path)} must be an ISO 8601 date-time (e.g. 2026-04-14T12:34:56Z).");
        }
    }
}

internal sealed class EnumType(IEnumerable<string> values) : OcppType
{
    private readonly FrozenSet<string> _values = values.ToFrozenSet(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Values => _values;

    public override void Validate(JsonElement value, string path, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            result.Add(path, OcppErrorCode.TypeConstraintViolation, $"{Describe(path)} must be a string.");
            return;
        }

        if (!_values.Contains(value.GetString()!))
        {
            result.Add(path, OcppErrorCode.PropertyConstraintViolation, $"{Describe(path)} must be one of: {string.Join(", ", _values.Order(StringComparer.Ordinal))}.");
        }
    }
}

internal sealed class ArrayType(OcppType item, int minItems) : OcppType
{
    public override void Validate(JsonElement value, string path, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            result.Add(path, OcppErrorCode.TypeConstraintViolation, $"{Describe(path)} must be an array.");
            return;
        }

        if (value.GetArrayLength() < minItems)
        {
            result.Add(path, OcppErrorCode.OccurenceConstraintViolation, $"{Describe(path)} must hold at least {minItems} element(s).");
        }

        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            item.Validate(element, $"{path}[{index++}]", result);
        }
    }
}

/// <summary>A field of a message or of a nested class.</summary>
internal sealed record OcppField(string Name, OcppType Type, bool Required);

internal sealed class ObjectType(IReadOnlyList<OcppField> fields) : OcppType
{
    private readonly FrozenDictionary<string, OcppField> _fields = fields.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    public override void Validate(JsonElement value, string path, PayloadValidation result)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            result.Add(path, path.Length == 0 ? OcppErrorCode.FormationViolation : OcppErrorCode.TypeConstraintViolation,
                $"{Describe(path)} must be a JSON object.");
            return;
        }

        foreach (var property in value.EnumerateObject())
        {
            var propertyPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            if (!_fields.TryGetValue(property.Name, out var field))
            {
                result.Add(propertyPath, OcppErrorCode.FormationViolation, $"'{propertyPath}' is not a field of this message.");
                continue;
            }

            field.Type.Validate(property.Value, propertyPath, result);
        }

        foreach (var field in fields)
        {
            if (field.Required && !value.TryGetProperty(field.Name, out _))
            {
                var fieldPath = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
                result.Add(fieldPath, OcppErrorCode.OccurenceConstraintViolation, $"'{fieldPath}' is required.");
            }
        }
    }
}

/// <summary>Short constructors so the message definitions read like the specification's tables.</summary>
internal static class T
{
    public static OcppType CiString(int maxLength) => new StringType(maxLength, $"CiString{maxLength}Type");

    public static readonly OcppType Text = new StringType(null, "string");
    public static readonly OcppType AnyUri = new StringType(null, "anyURI");
    public static readonly OcppType Integer = new IntegerType(int.MinValue);
    public static readonly OcppType NonNegativeInteger = new IntegerType(0);
    public static readonly OcppType PositiveInteger = new IntegerType(1);
    public static readonly OcppType Number = new DecimalType();
    public static readonly OcppType Timestamp = new DateTimeType();

    public static EnumType Enum(params string[] values) => new(values);

    public static OcppType Array(OcppType item, int minItems = 0) => new ArrayType(item, minItems);

    public static ObjectType Object(params OcppField[] fields) => new(fields);

    public static OcppField Required(string name, OcppType type) => new(name, type, true);

    public static OcppField Optional(string name, OcppType type) => new(name, type, false);
}
