using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Pipelet.Testing;

/// <summary>A scripted OCPP-J 1.6 charge point on a real <see cref="ClientWebSocket"/>.</summary>
public sealed class TestStation : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);
    private readonly ClientWebSocket _socket;
    private int _nextId;

    private TestStation(ClientWebSocket socket, string stationId)
    {
        _socket = socket;
        StationId = stationId;
    }

    public string StationId { get; }

    public ClientWebSocket Socket => _socket;

    /// <summary>
    /// Connects to <c>{ocpp}{stationId}</c>, the station id escaped unless <paramref name="encodedId"/> gives the path
    /// segment as sent; <paramref name="ocpp"/> ends with a slash (<c>ws://127.0.0.1:{port}/ocpp/</c>).
    /// </summary>
    public static async Task<TestStation> ConnectAsync(Uri ocpp, string stationId, string? encodedId = null, Action<ClientWebSocketOptions>? configure = null, string? subprotocol = "ocpp1.6")
    {
        var socket = new ClientWebSocket();
        if (subprotocol is not null) socket.Options.AddSubProtocol(subprotocol);
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        configure?.Invoke(socket.Options);
        try
        {
            using var timeout = new CancellationTokenSource(DefaultWait);
            await socket.ConnectAsync(new Uri(ocpp, encodedId ?? Uri.EscapeDataString(stationId)), timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new TestStation(socket, stationId);
    }

    public async Task SendTextAsync(string text)
    {
        using var timeout = new CancellationTokenSource(DefaultWait);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>The handshake's <c>Authorization</c> value of security profiles 1 and 2: HTTP Basic, user = the station identity.</summary>
    public static string BasicAuthorization(string stationId, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stationId}:{password}"));

    /// <summary>Sends raw bytes as one message, for what a well-behaved station would never send.</summary>
    public async Task SendBytesAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(DefaultWait);
        await _socket.SendAsync(bytes, type, true, timeout.Token);
    }

    /// <summary>Sends a CALL and returns the id it used.</summary>
    public async Task<string> SendCallAsync(string action, string payloadJson, string? messageId = null)
    {
        messageId ??= $"m{Interlocked.Increment(ref _nextId)}";
        await SendTextAsync($"[2,{JsonSerializer.Serialize(messageId)},{JsonSerializer.Serialize(action)},{payloadJson}]");
        return messageId;
    }

    /// <summary>Sends a CALL and returns the answering frame (CALLRESULT or CALLERROR) as a JSON array.</summary>
    public async Task<JsonElement> CallAsync(string action, string payloadJson)
    {
        var id = await SendCallAsync(action, payloadJson);
        var frame = await ReceiveAsync();
        Assert.Equal(id, frame[1].GetString());
        return frame;
    }

    /// <summary>Sends a CALL and expects a CALLRESULT; returns its payload.</summary>
    public async Task<JsonElement> CallResultAsync(string action, string payloadJson)
    {
        var frame = await CallAsync(action, payloadJson);
        Assert.True(frame[0].GetInt32() == 3, $"Expected a CALLRESULT to {action}, got {frame}");
        return frame[2];
    }

    /// <summary>A BootNotification, answered with a CALLRESULT; returns its payload.</summary>
    public Task<JsonElement> BootAsync() =>
        CallResultAsync("BootNotification", """{"chargePointVendor":"Pipelet","chargePointModel":"Test station"}""");

    /// <summary>The next frame from the gateway, within a generous timeout.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? wait = null)
    {
        var text = await ReceiveTextAsync(wait);
        Assert.NotNull(text);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>The next text message, or null when the gateway closed the socket.</summary>
    public async Task<string?> ReceiveTextAsync(TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return Encoding.UTF8.GetString(message.ToArray());
        }
    }

    /// <summary>Reads until the gateway closes the socket; returns the close status it gave.</summary>
    public async Task<WebSocketCloseStatus?> WaitForCloseAsync()
    {
        try
        {
            while (await ReceiveTextAsync() is not null)
            {
            }
        }
        catch (WebSocketException)
        {
        }

        return _socket.CloseStatus;
    }

    public async Task CloseAsync()
    {
        if (_socket.State != WebSocketState.Open) return;
        using var timeout = new CancellationTokenSource(DefaultWait);
        try
        {
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        }
        catch (WebSocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        catch (OperationCanceledException)
        {
        }

        _socket.Dispose();
    }
}
