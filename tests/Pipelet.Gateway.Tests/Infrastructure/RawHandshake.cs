using System.Net.Sockets;
using System.Text;

namespace Pipelet.Gateway.Tests.Infrastructure;

/// <summary>
/// A WebSocket opening handshake written by hand, to see exactly which status and headers the
/// gateway answers (ClientWebSocket hides or rejects some of them).
/// </summary>
internal sealed class RawHandshake : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawHandshake(TcpClient client, int status, string headers)
    {
        _client = client;
        _stream = client.GetStream();
        Status = status;
        Headers = headers;
    }

    public int Status { get; }

    /// <summary>The raw response head, lower-cased.</summary>
    public string Headers { get; }

    public static async Task<RawHandshake> SendAsync(GatewayServer gateway, string target, string? subprotocols, string? authorization = null)
    {
        var client = new TcpClient();
        await client.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port);
        var request = new StringBuilder()
            .Append($"GET {target} HTTP/1.1\r\n")
            .Append($"Host: {gateway.BaseAddress.Authority}\r\n")
            .Append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
            .Append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        if (subprotocols is not null) request.Append($"Sec-WebSocket-Protocol: {subprotocols}\r\n");
        if (authorization is not null) request.Append($"Authorization: {authorization}\r\n");
        request.Append("\r\n");
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));

        var text = await ReadHeadAsync(stream);
        var status = int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return new RawHandshake(client, status, text.ToLowerInvariant());
    }

    /// <summary>A response head as sent, up to its blank line, a byte at a time so nothing after it is taken (20 s at most).</summary>
    public static async Task<string> ReadHeadAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, timeout.Token) == 0) break;
            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    /// <summary>Reads the next server frame's opcode (0x8 = close) and, for a close, its status code.</summary>
    public async Task<(int Opcode, int? CloseStatus)> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var header = new byte[2];
        await _stream.ReadExactlyAsync(header, timeout.Token);
        var opcode = header[0] & 0x0F;
        var length = header[1] & 0x7F;
        var payload = new byte[length];
        await _stream.ReadExactlyAsync(payload, timeout.Token);
        return (opcode, opcode == 8 && length >= 2 ? (payload[0] << 8) | payload[1] : null);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
