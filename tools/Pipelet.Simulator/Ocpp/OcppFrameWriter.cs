using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pipelet.Simulator.Ocpp;

/// <summary>
/// Writes OCPP-J frames (J 4.2): CALL <c>[2,"id","Action",{...}]</c>, CALLRESULT <c>[3,"id",{...}]</c>,
/// CALLERROR <c>[4,"id","Code","description",{}]</c>. One reusable JSON writer per thread.
/// </summary>
internal static class OcppFrameWriter
{
    // OCPP-J is UTF-8 JSON read by machines, not HTML: no need to escape quotes, apostrophes or non-ASCII.
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static void WriteCall(IBufferWriter<byte> output, long messageId, string action, object payload, JsonTypeInfo payloadType)
    {
        var writer = Writer(output);
        writer.WriteStartArray();
        writer.WriteNumberValue((int)MessageType.Call);
        WriteId(writer, messageId);
        writer.WriteStringValue(action);
        JsonSerializer.Serialize(writer, payload, payloadType);
        writer.WriteEndArray();
        Finish(writer);
    }

    public static void WriteCallResult(IBufferWriter<byte> output, string messageId, object payload, JsonTypeInfo payloadType)
    {
        var writer = Writer(output);
        writer.WriteStartArray();
        writer.WriteNumberValue((int)MessageType.CallResult);
        writer.WriteStringValue(messageId);
        JsonSerializer.Serialize(writer, payload, payloadType);
        writer.WriteEndArray();
        Finish(writer);
    }

    public static void WriteCallError(IBufferWriter<byte> output, string messageId, string errorCode, string description)
    {
        var writer = Writer(output);
        writer.WriteStartArray();
        writer.WriteNumberValue((int)MessageType.CallError);
        writer.WriteStringValue(messageId);
        writer.WriteStringValue(errorCode);
        writer.WriteStringValue(description);
        writer.WriteStartObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        Finish(writer);
    }

    /// <summary>Our own message ids are a per-connection counter, sent as a JSON string.</summary>
    private static void WriteId(Utf8JsonWriter writer, long messageId)
    {
        Span<byte> digits = stackalloc byte[20];
        messageId.TryFormat(digits, out var length, provider: System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteStringValue(digits[..length]);
    }

    private static Utf8JsonWriter Writer(IBufferWriter<byte> output)
    {
        var writer = t_writer ??= new Utf8JsonWriter(output, WriterOptions);
        writer.Reset(output);
        return writer;
    }

    private static void Finish(Utf8JsonWriter writer)
    {
        writer.Flush();
        // Drop the reference to the caller's buffer so a pooled array is not kept alive by the cache.
        writer.Reset(NullBufferWriter.Instance);
    }

    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count) => throw new InvalidOperationException();

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException();

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException();
    }
}
