using System.Text.Json;

namespace Pipelet.Gateway.Ocpp;

/// <summary>One OCPP-J frame as read from the socket (J section 4).</summary>
internal abstract record OcppFrame
{
    public const int CallType = 2;
    public const int CallResultType = 3;
    public const int CallErrorType = 4;

    /// <summary>Message ids are at most 36 characters (J 4.1.4).</summary>
    public const int MaxMessageIdLength = 36;

    /// <summary>The id we answer with when a frame is too broken to carry one (as OCPP-J 2.0.1 does).</summary>
    public const string UnknownMessageId = "-1";
}

/// <summary><c>[2, id, action, payload]</c>.</summary>
internal sealed record CallFrame(string MessageId, string Action, JsonElement Payload) : OcppFrame;

/// <summary><c>[3, id, payload]</c>.</summary>
internal sealed record CallResultFrame(string MessageId, JsonElement Payload) : OcppFrame;

/// <summary><c>[4, id, code, description, details]</c>; the code normalized to its 1.6 spelling.</summary>
internal sealed record CallErrorFrame(string MessageId, string ErrorCode, string ErrorDescription, JsonElement ErrorDetails) : OcppFrame;

/// <summary>A frame whose message type number we do not know: ignored (J 4.1.3).</summary>
internal sealed record UnknownTypeFrame(int MessageType) : OcppFrame;

/// <summary>
/// A frame we cannot read. <see cref="MessageId"/> is the CALL's id when we could read one (so the
/// station can match our CALLERROR), otherwise null; <see cref="IsCall"/> says whether it answers a CALL.
/// </summary>
internal sealed record MalformedFrame(string? MessageId, bool IsCall, string ErrorCode, string Description) : OcppFrame;
