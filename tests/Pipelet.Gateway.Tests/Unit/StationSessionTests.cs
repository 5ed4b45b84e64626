using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Pipelet.Contracts.Gateway;
using Pipelet.Gateway.Ocpp;
using Pipelet.Gateway.Stations;

namespace Pipelet.Gateway.Tests.Unit;

/// <summary>Our CALLs to one station: one in flight, the rest queued (J 4.1.1), over a real loopback socket pair.</summary>
public sealed class StationSessionTests : IAsyncLifetime
{
    private TcpClient _client = null!;
    private TcpClient _server = null!;
    private WebSocket _stationSide = null!;
    private StationSession _session = null!;

    public async Task InitializeAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _client = new TcpClient();
        var connecting = _client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        _server = await listener.AcceptTcpClientAsync();
        await connecting;
        var gatewaySide = WebSocket.CreateFromStream(_server.GetStream(), new WebSocketCreationOptions { IsServer = true });
        _stationSide = WebSocket.CreateFromStream(_client.GetStream(), new WebSocketCreationOptions { IsServer = false });
        _session = new StationSession("CP-UNIT", gatewaySide, DateTimeOffset.UtcNow);
    }

    public Task DisposeAsync()
    {
        _session.Stop();
        _stationSide.Dispose();
        _session.Socket.Dispose();
        _client.Dispose();
        _server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_second_command_waits_until_the_station_answered_the_first()
    {
        var secondStarted = false;
        var first = Call("Reset", () => { });
        var firstCall = await ReceiveAsync();
        Assert.Equal("Reset", firstCall[2].GetString());

        var second = Call("ClearCache", () => secondStarted = true);
        // The second command is queued behind the first: it has not even published its event yet.
        Assert.False(secondStarted);
        Assert.False(second.IsCompleted);

        await AnswerAsync(firstCall, """{"status":"Accepted"}""");
        Assert.Equal(StationCommandStatus.Answered, (await first).Status);

        var secondCall = await ReceiveAsync();
        Assert.True(secondStarted);
        Assert.Equal("ClearCache", secondCall[2].GetString());
        Assert.NotEqual(firstCall[1].GetString(), secondCall[1].GetString());
        await AnswerAsync(secondCall, """{"status":"Rejected"}""");
        var result = await second;
        Assert.Equal("Rejected", result.Response!.Value.GetProperty("status").GetString());
        Assert.Equal("ClearCache", result.Action);
    }

    [Fact]
    public async Task An_answer_to_another_id_does_not_complete_the_command()
    {
        var call = Call("Reset", () => { });
        var frame = await ReceiveAsync();
        Assert.False(_session.TryCompleteCall(new CallResultFrame("someone-else", default)));
        Assert.True(_session.TryCompleteCall(new CallErrorFrame(frame[1].GetString()!, "NotSupported", "no", default)));
        var result = await call;
        Assert.Equal(StationCommandStatus.CallError, result.Status);
        Assert.Equal("NotSupported", result.ErrorCode);
    }

    [Fact]
    public async Task A_command_the_station_never_answers_times_out_and_frees_the_way()
    {
        var silent = await _session.CallAsync("Reset", Json("""{"type":"Soft"}"""), TimeSpan.FromMilliseconds(200), () => Task.CompletedTask, CancellationToken.None);
        Assert.Equal(StationCommandStatus.Timeout, silent.Status);
        await ReceiveAsync();

        var next = Call("ClearCache", () => { });
        await AnswerAsync(await ReceiveAsync(), "{}");
        Assert.Equal(StationCommandStatus.Answered, (await next).Status);
    }

    [Fact]
    public async Task When_the_session_ends_waiting_commands_learn_the_station_disconnected()
    {
        var call = Call("Reset", () => { });
        await ReceiveAsync();
        _session.Stop();
        Assert.Equal(StationCommandStatus.Disconnected, (await call).Status);
    }

    private Task<StationCommandResult> Call(string action, Action beforeSend) =>
        _session.CallAsync(action, Json(action == "Reset" ? """{"type":"Soft"}""" : "{}"), TimeSpan.FromSeconds(30),
            () =>
            {
                beforeSend();
                return Task.CompletedTask;
            }, CancellationToken.None);

    private async Task<JsonElement> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        var result = await _stationSide.ReceiveAsync(buffer, timeout.Token);
        using var document = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
        return document.RootElement.Clone();
    }

    private async Task AnswerAsync(JsonElement call, string payload)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var text = $"[3,\"{call[1].GetString()}\",{payload}]";
        await _stationSide.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
        // The gateway's receive loop is not running here: read the answer as it would and hand it over.
        var received = new byte[4096];
        var result = await _session.Socket.ReceiveAsync(received, timeout.Token);
        using var document = JsonDocument.Parse(received.AsMemory(0, result.Count));
        _session.TryCompleteCall(OcppFrameReader.Read(document));
    }

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
