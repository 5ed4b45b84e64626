using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Pipelet.Console.Tests;

/// <summary>A simulated charge station: an OCPP 1.6J WebSocket that sends CALLs and reads their answers.</summary>
internal sealed class Station : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private Station(string id) => Id = id;

    public string Id { get; }

    public static async Task<Station> ConnectAsync(Uri ocpp, string id)
    {
        var station = new Station(id);
        station._socket.Options.AddSubProtocol("ocpp1.6");
        await station._socket.ConnectAsync(new Uri(ocpp, Uri.EscapeDataString(id)), CancellationToken.None);
        return station;
    }

    /// <summary>Sends a CALL and returns the CALLRESULT payload (the gateway answers once its event is confirmed).</summary>
    public async Task<JsonElement> CallAsync(string action, object payload)
    {
        var id = (++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var frame = JsonSerializer.SerializeToUtf8Bytes(new object[] { 2, id, action, payload });
        await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, timeout.Token);
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
        while (!result.EndOfMessage);

        using var answer = JsonDocument.Parse(text.ToString());
        var message = answer.RootElement;
        if (message[0].GetInt32() != 3 || message[1].GetString() != id) throw new InvalidOperationException($"Expected the CALLRESULT of {id}, got {text}");
        return message[2].Clone();
    }

    public Task<JsonElement> BootAsync() =>
        CallAsync("BootNotification", new { chargePointVendor = "Pipelet", chargePointModel = "Console test" });

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        _socket.Dispose();
    }
}
