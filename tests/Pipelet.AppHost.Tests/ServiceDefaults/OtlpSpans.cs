using System.Text;

namespace Pipelet.AppHost.Tests.ServiceDefaults;

/// <summary>One span as an OTLP backend stores it: which service sent it, where it sits in its trace, and its name.</summary>
internal sealed record ExportedSpan(string Service, string TraceId, string SpanId, string? ParentSpanId, string Name);

/// <summary>
/// Reads the spans out of OTLP/HTTP protobuf trace exports (ExportTraceServiceRequest), so tests can check a
/// trace's shape rather than search bytes. Only the few fields the tests need are read; the rest is skipped
/// by wire type, as any protobuf reader would.
/// </summary>
internal static class OtlpSpans
{
    // Field numbers from opentelemetry/proto/trace/v1/trace.proto and common/v1, resource/v1.
    private const int ResourceSpansField = 1, ResourceField = 1, ScopeSpansField = 2, AttributesField = 1, SpansField = 2;
    private const int KeyField = 1, ValueField = 2, StringValueField = 1;
    private const int TraceIdField = 1, SpanIdField = 2, ParentSpanIdField = 4, NameField = 5;

    public static IEnumerable<ExportedSpan> Read(IEnumerable<byte[]> bodies) => bodies.SelectMany(Read);

    public static IEnumerable<ExportedSpan> Read(byte[] body)
    {
        var spans = new List<ExportedSpan>();
        foreach (var resourceSpans in Fields(body, ResourceSpansField))
        {
            var service = Fields(resourceSpans, ResourceField)
                .SelectMany(resource => Fields(resource, AttributesField))
                .Where(attribute => Text(attribute, KeyField) == "service.name")
                .Select(attribute => Fields(attribute, ValueField).Select(value => Text(value, StringValueField)).FirstOrDefault())
                .FirstOrDefault() ?? "";
            foreach (var span in Fields(resourceSpans, ScopeSpansField).SelectMany(scope => Fields(scope, SpansField)))
            {
                var parent = Fields(span, ParentSpanIdField).Select(Convert.ToHexStringLower).FirstOrDefault();
                spans.Add(new ExportedSpan(
                    service,
                    Convert.ToHexStringLower(Fields(span, TraceIdField).First()),
                    Convert.ToHexStringLower(Fields(span, SpanIdField).First()),
                    string.IsNullOrEmpty(parent) ? null : parent,
                    Text(span, NameField) ?? ""));
            }
        }

        return spans;
    }

    private static string? Text(byte[] message, int field) =>
        Fields(message, field).Select(bytes => Encoding.UTF8.GetString(bytes)).FirstOrDefault();

    /// <summary>The length-delimited values of one field of a message, in order.</summary>
    private static List<byte[]> Fields(byte[] message, int field)
    {
        var found = new List<byte[]>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var wireType = (int)(tag & 7);
            var number = (int)(tag >> 3);
            switch (wireType)
            {
                case 0: ReadVarint(message, ref position); break;
                case 1: position += 8; break;
                case 5: position += 4; break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    if (number == field) found.Add(message[position..(position + length)]);
                    position += length;
                    break;
                default: throw new InvalidDataException($"Protobuf wire type {wireType} is not used by OTLP.");
            }
        }

        return found;
    }

    private static ulong ReadVarint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
