using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelet.Contracts.Subscriptions;

/// <summary>
/// A credential that never prints: records holding one can keep their generated <c>ToString</c>, and a
/// log line or exception message that formats it shows <c>***</c>. In JSON it is its plain value, because it
/// travels to the services that must use it (the private bus, the internal API, request bodies).
/// </summary>
[JsonConverter(typeof(SecretJsonConverter))]
public sealed record Secret(string Value)
{
    public override string ToString() => "***";
}

/// <summary>Reads and writes a <see cref="Secret"/> as a JSON string.</summary>
public sealed class SecretJsonConverter : JsonConverter<Secret>
{
    public override Secret Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? new Secret(reader.GetString()!)
            : throw new JsonException("A secret must be a JSON string.");

    public override void Write(Utf8JsonWriter writer, Secret value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
