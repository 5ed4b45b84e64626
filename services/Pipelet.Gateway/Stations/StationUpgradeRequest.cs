using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Pipelet.ServiceDefaults.Http;

namespace Pipelet.Gateway.Stations;

/// <summary>
/// The head of a station's WebSocket upgrade as <see cref="StationSocketsBelowHttp"/> reads it off the connection:
/// only the plainest form of it (<c>GET /ocpp/{identity} HTTP/1.1</c>, visible ASCII throughout, each header that
/// matters present once, none that announces a body) is recognised. Anything else is <see cref="Parse.NotOurs"/> and
/// goes to Kestrel untouched, so every refusal and every unusual request keeps Kestrel's and the handler's answer.
/// </summary>
internal sealed record StationUpgradeRequest(string RawTarget, string? Authorization, IReadOnlyList<string> OfferedSubprotocols, string Key)
{
    public enum Parse
    {
        /// <summary>So far a station's upgrade, but the head has not ended yet.</summary>
        Incomplete,

        /// <summary>Not a plain station upgrade (or beyond a limit): for Kestrel.</summary>
        NotOurs,

        /// <summary>A complete, well-formed station upgrade head.</summary>
        Upgrade,
    }

    /// <summary>The head's limits, Kestrel's (<c>KestrelServerLimits</c>) for the same request.</summary>
    public readonly record struct Limits(int MaxRequestLine, int MaxHeadersTotal, int MaxHeaderCount)
    {
        public int MaxHead => MaxRequestLine + MaxHeadersTotal;
    }

    private static ReadOnlySpan<byte> Prefix => "GET /ocpp/"u8;
    private static ReadOnlySpan<byte> Version => " HTTP/1.1"u8;
    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> WebSocketGuid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>Reads a head from the start of <paramref name="input"/>; <paramref name="headLength"/> includes its blank line.</summary>
    public static Parse TryParse(ReadOnlySequence<byte> input, Limits limits, out StationUpgradeRequest? request, out int headLength)
    {
        request = null;
        headLength = 0;
        var available = (int)Math.Min(input.Length, limits.MaxHead + 1);
        byte[]? rented = null;
        var data = input.FirstSpan.Length >= available
            ? input.FirstSpan[..available]
            : Copy(input.Slice(0, available), rented = ArrayPool<byte>.Shared.Rent(available));
        try
        {
            var prefix = Math.Min(data.Length, Prefix.Length);
            if (!data[..prefix].SequenceEqual(Prefix[..prefix])) return Parse.NotOurs;
            var end = data.IndexOf(EndOfHead);
            if (end < 0) return data.Length > limits.MaxHead ? Parse.NotOurs : Parse.Incomplete;
            headLength = end + EndOfHead.Length;
            request = Read(data[..(end + 2)], limits);
            return request is null ? Parse.NotOurs : Parse.Upgrade;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The 101 answer: the key's accept value and, when one was chosen, our subprotocol (RFC 6455 4.2.2).</summary>
    public byte[] SwitchingProtocols(string? subprotocol)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        var keyed = new byte[Key.Length + WebSocketGuid.Length];
        Encoding.ASCII.GetBytes(Key, keyed);
        WebSocketGuid.CopyTo(keyed.AsSpan(Key.Length));
        SHA1.HashData(keyed, hash);
        var answer = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n")
            .Append("Sec-WebSocket-Accept: ").Append(Convert.ToBase64String(hash)).Append("\r\n");
        if (subprotocol is not null) answer.Append("Sec-WebSocket-Protocol: ").Append(subprotocol).Append("\r\n");
        return Encoding.ASCII.GetBytes(answer.Append("\r\n").ToString());
    }

    private static ReadOnlySpan<byte> Copy(ReadOnlySequence<byte> input, byte[] into)
    {
        input.CopyTo(into);
        return into.AsSpan(0, (int)input.Length);
    }

    /// <summary>The request line and header lines, each ending in CRLF; null unless it is a plain station upgrade.</summary>
    private static StationUpgradeRequest? Read(ReadOnlySpan<byte> head, Limits limits)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var requestLine = head[..lineEnd];
        if (lineEnd + 2 >= limits.MaxRequestLine || !requestLine.EndsWith(Version)) return null;
        var target = requestLine[(Prefix.Length - "/ocpp/".Length)..^Version.Length];
        if (!IsPlainTarget(target)) return null;

        var headers = head[(lineEnd + 2)..];
        if (headers.Length + 2 >= limits.MaxHeadersTotal) return null;
        string? host = null, upgrade = null, connection = null, key = null, version = null, protocols = null, authorization = null;
        var count = 0;
        while (!headers.IsEmpty)
        {
            var end = headers.IndexOf("\r\n"u8);
            var line = headers[..end];
            headers = headers[(end + 2)..];
            if (++count > limits.MaxHeaderCount) return null;
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !HttpToken.IsToken(line[..colon])) return null;
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (!IsVisibleText(value)) return null;
            var name = line[..colon];
            var known =
                Ascii.EqualsIgnoreCase(name, "Host"u8) ? Set(ref host, value)
                : Ascii.EqualsIgnoreCase(name, "Upgrade"u8) ? Set(ref upgrade, value)
                : Ascii.EqualsIgnoreCase(name, "Connection"u8) ? Set(ref connection, value)
                : Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Key"u8) ? Set(ref key, value)
                : Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Version"u8) ? Set(ref version, value)
                : Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Protocol"u8) ? Set(ref protocols, value)
                : Ascii.EqualsIgnoreCase(name, "Authorization"u8) ? Set(ref authorization, value)
                // A body (or a request for one) on an upgrade is unusual: Kestrel's to judge.
                : !Ascii.EqualsIgnoreCase(name, "Content-Length"u8) && !Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)
                    && !Ascii.EqualsIgnoreCase(name, "Expect"u8);
            if (!known) return null;
        }

        if (host is null || !IsPlainHost(host)
            || upgrade is null || !upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase)
            || connection is null || !connection.Split(',').Any(t => t.Trim(' ', '\t').Equals("upgrade", StringComparison.OrdinalIgnoreCase))
            || version != "13"
            || key is null || !IsKey(key)
            || protocols?.Contains('"', StringComparison.Ordinal) == true)
        {
            return null;
        }

        var offered = protocols is null
            ? Array.Empty<string>()
            : protocols.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new StationUpgradeRequest(Encoding.ASCII.GetString(target), authorization, offered, key);
    }

    /// <summary>Records a header's value; false (not ours) when it comes twice.</summary>
    private static bool Set(ref string? field, ReadOnlySpan<byte> value)
    {
        if (field is not null) return false;
        field = Encoding.ASCII.GetString(value);
        return true;
    }

    /// <summary>An origin-form path under <c>/ocpp/</c> of RFC 3986 path characters only: no query, fragment or oddity.</summary>
    private static bool IsPlainTarget(ReadOnlySpan<byte> target)
    {
        if (!target.StartsWith("/ocpp/"u8)) return false;
        foreach (var b in target)
        {
            var plain = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~' or (byte)'%' or (byte)'!' or (byte)'$' or (byte)'&' or (byte)'\''
                or (byte)'(' or (byte)')' or (byte)'*' or (byte)'+' or (byte)',' or (byte)';' or (byte)'=' or (byte)':' or (byte)'@'
                or (byte)'/';
            if (!plain) return false;
        }

        return true;
    }

    private static bool IsPlainHost(string host) =>
        host.Length > 0 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']');

    private static bool IsKey(string key)
    {
        Span<byte> nonce = stackalloc byte[18];
        return key.Length == 24 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')
            && Convert.TryFromBase64String(key, nonce, out var length) && length == 16;
    }

    private static bool IsVisibleText(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is not ((>= 0x20 and <= 0x7E) or (byte)'\t')) return false;
        }

        return true;
    }
}
