using System.Text.Json;
using Pipelet.Gateway.Ocpp.Schemas;

namespace Pipelet.Gateway.Ocpp;

/// <summary>
/// Reads the frame structure of J section 4 from a parsed JSON document. Payloads are not validated
/// here (see <see cref="Schemas.OcppSchemas"/>); the returned elements live as long as the document.
/// </summary>
internal static class OcppFrameReader
{
    public static OcppFrame Read(JsonDocument document)
    {
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0)
        {
            return new MalformedFrame(null, false, OcppErrorCode.FormationViolation, "A frame must be a JSON array [messageTypeId, messageId, ...].");
        }

        var type = root[0];
        if (type.ValueKind != JsonValueKind.Number || !type.TryGetInt32(out var messageType))
        {
            return new MalformedFrame(null, false, OcppErrorCode.FormationViolation, "The messageTypeId must be an integer.");
        }

        try
        {
            return messageType switch
            {
                OcppFrame.CallType => ReadCall(root),
                OcppFrame.CallResultType => ReadCallResult(root),
                OcppFrame.CallErrorType => ReadCallError(root),
                _ => new UnknownTypeFrame(messageType),
            };
        }
        catch (InvalidOperationException)
        {
            // A messageId, action or error text that does not decode (a lone surrogate escape, invalid UTF-8 in a binary frame).
            return new MalformedFrame(null, messageType == OcppFrame.CallType, OcppErrorCode.FormationViolation, UndecodableText);
        }
    }

    private const string UndecodableText = "The frame holds text that is not valid Unicode (invalid UTF-8 or a lone surrogate escape).";

    private static OcppFrame ReadCall(JsonElement root)
    {
        if (!TryReadMessageId(root, out var messageId, out var problem))
        {
            return new MalformedFrame(messageId, true, OcppErrorCode.FormationViolation, problem);
        }

        var length = root.GetArrayLength();
        if (length < 4)
        {
            return new MalformedFrame(messageId, true, OcppErrorCode.ProtocolError, "A CALL is [2, messageId, action, payload]; this one is incomplete.");
        }

        if (length > 4)
        {
            return new MalformedFrame(messageId, true, OcppErrorCode.FormationViolation, "A CALL has exactly four elements.");
        }

        if (root[2].ValueKind != JsonValueKind.String || root[2].GetString() is not { Length: > 0 } action)
        {
            return new MalformedFrame(messageId, true, OcppErrorCode.FormationViolation, "The action must be a non-empty string.");
        }

        if (root[3].ValueKind != JsonValueKind.Object)
        {
            return new MalformedFrame(messageId, true, OcppErrorCode.FormationViolation, "The payload must be a JSON object ({} when empty).");
        }

        if (!JsonText.IsDecodableCheaply(root[3]))
        {
            return new MalformedFrame(messageId, true, OcppErrorCode.FormationViolation, UndecodableText);
        }

        return new CallFrame(messageId!, action, root[3]);
    }

    private static OcppFrame ReadCallResult(JsonElement root)
    {
        if (!TryReadMessageId(root, out var messageId, out var problem))
        {
            return new MalformedFrame(messageId, false, OcppErrorCode.FormationViolation, problem);
        }

        if (root.GetArrayLength() != 3 || root[2].ValueKind != JsonValueKind.Object)
        {
            return new MalformedFrame(messageId, false, OcppErrorCode.FormationViolation, "A CALLRESULT is [3, messageId, payload] with an object payload.");
        }

        if (!JsonText.IsDecodableCheaply(root[2]))
        {
            return new MalformedFrame(messageId, false, OcppErrorCode.FormationViolation, UndecodableText);
        }

        return new CallResultFrame(messageId!, root[2]);
    }

    private static OcppFrame ReadCallError(JsonElement root)
    {
        if (!TryReadMessageId(root, out var messageId, out var problem))
        {
            return new MalformedFrame(messageId, false, OcppErrorCode.FormationViolation, problem);
        }

        // Be lenient with what stations send: description and details are often missing in the field.
        var length = root.GetArrayLength();
        if (length < 3 || root[2].ValueKind != JsonValueKind.String)
        {
            return new MalformedFrame(messageId, false, OcppErrorCode.FormationViolation, "A CALLERROR is [4, messageId, errorCode, errorDescription, errorDetails].");
        }

        var description = length > 3 && root[3].ValueKind == JsonValueKind.String ? root[3].GetString()! : "";
        var details = length > 4 ? root[4] : default;
        return new CallErrorFrame(messageId!, OcppErrorCode.Normalize(root[2].GetString()!), description, details);
    }

    private static bool TryReadMessageId(JsonElement root, out string? messageId, out string problem)
    {
        messageId = null;
        if (root.GetArrayLength() < 2 || root[1].ValueKind != JsonValueKind.String)
        {
            problem = "The messageId must be a string.";
            return false;
        }

        var id = root[1].GetString()!;
        if (id.Length is 0 or > OcppFrame.MaxMessageIdLength)
        {
            // Not a valid id, so not one to echo either: the answer goes out under "-1".
            problem = $"The messageId must be 1 to {OcppFrame.MaxMessageIdLength} characters long.";
            return false;
        }

        messageId = id;

        problem = "";
        return true;
    }

    /// <summary>
    /// The message type and id from the first bytes of a frame too large to keep, so the station can
    /// still match our CALLERROR (or our CALL be failed); (0, null) when the prefix says nothing.
    /// </summary>
    public static (int Type, string? Id) Peek(ReadOnlySpan<byte> prefix)
    {
        var reader = new Utf8JsonReader(prefix, isFinalBlock: false, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return (0, null);
            if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var type)) return (0, null);
            if (!reader.Read() || reader.TokenType != JsonTokenType.String) return (type, null);
            var id = reader.GetString();
            return (type, id is { Length: > 0 and <= OcppFrame.MaxMessageIdLength } ? id : null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: an id that is not valid UTF-8 (possible in a binary frame).
            return (0, null);
        }
    }
}
