using System.Buffers;
using System.Text.Json;

namespace Pipelet.Gateway.Ocpp;

/// <summary>Writes OCPP-J frames as compact UTF-8 JSON (J section 4).</summary>
internal static class OcppFrameWriter
{
    public static void WriteCall(IBufferWriter<byte> output, string messageId, string action, JsonElement payload)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartArray();
        writer.WriteNumberValue(OcppFrame.CallType);
        writer.WriteStringValue(messageId);
        writer.WriteStringValue(action);
        payload.WriteTo(writer);
        writer.WriteEndArray();
    }

    public static void WriteCallResult(IBufferWriter<byte> output, string messageId, Action<Utf8JsonWriter> writePayload)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartArray();
        writer.WriteNumberValue(OcppFrame.CallResultType);
        writer.WriteStringValue(messageId);
        writePayload(writer);
        writer.WriteEndArray();
    }

    public static void WriteCallError(IBufferWriter<byte> output, string messageId, string errorCode, string description, Action<Utf8JsonWriter>? writeDetails = null)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartArray();
        writer.WriteNumberValue(OcppFrame.CallErrorType);
        writer.WriteStringValue(messageId);
        writer.WriteStringValue(errorCode);
        writer.WriteStringValue(description);
        if (writeDetails is null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            writeDetails(writer);
        }

        writer.WriteEndArray();
    }
}
