using System.Text.Json;

namespace Pipelet.Simulator.Ocpp;

/// <summary>
/// One frame received from the CSMS, read without building a DOM. <see cref="Payload"/> is a slice of
/// the receive buffer: valid only until the next receive.
/// </summary>
internal readonly record struct IncomingFrame(
    MessageType Type,
    string MessageId,
    string? Action,
    ReadOnlyMemory<byte> Payload,
    string? ErrorCode,
    string? ErrorDescription)
{
    /// <summary>
    /// Parses a frame. Returns false with a reason for anything that is not a well-formed OCPP-J frame;
    /// an unknown message type number is reported as <paramref name="unknownType"/> (J 4.1.3 says ignore it).
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> utf8, out IncomingFrame frame, out bool unknownType, out string? problem)
    {
        frame = default;
        unknownType = false;
        problem = null;
        try
        {
            var reader = new Utf8JsonReader(utf8.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return Fail("not a JSON array", out problem);
            if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var typeNumber))
            {
                return Fail("message type is not a number", out problem);
            }

            if (typeNumber is < 2 or > 4)
            {
                unknownType = true;
                return Fail("unknown message type", out problem);
            }

            var type = (MessageType)typeNumber;
            if (!reader.Read() || reader.TokenType != JsonTokenType.String) return Fail("message id is not a string", out problem);
            var messageId = reader.GetString()!;

            string? action = null, errorCode = null, errorDescription = null;
            if (type == MessageType.Call)
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.String) return Fail("action is not a string", out problem);
                action = reader.GetString();
            }
            else if (type == MessageType.CallError)
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.String) return Fail("error code is not a string", out problem);
                errorCode = reader.GetString();
                if (!reader.Read() || reader.TokenType != JsonTokenType.String) return Fail("error description is not a string", out problem);
                errorDescription = reader.GetString();
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail(type == MessageType.CallError ? "error details are not an object" : "payload is not an object", out problem);
            }

            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var payload = utf8.Slice(start, (int)reader.BytesConsumed - start);
            if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray) return Fail("frame has extra elements", out problem);

            frame = new IncomingFrame(type, messageId, action, payload, errorCode, errorDescription);
            return true;
        }
        catch (JsonException)
        {
            return Fail("not JSON", out problem);
        }
    }

    private static bool Fail(string reason, out string? problem)
    {
        problem = reason;
        return false;
    }
}
