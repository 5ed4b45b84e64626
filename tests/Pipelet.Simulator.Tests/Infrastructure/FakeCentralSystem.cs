using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipelet.Simulator.Tests.Infrastructure;

/// <summary>
/// A minimal OCPP 1.6J central system on a free loopback port, to test the simulator itself: it accepts
/// <c>ocpp1.6</c>, answers every CALL plausibly, records what each station sent, and can send commands.
/// </summary>
internal sealed class FakeCentralSystem : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Connection> _connections = new();
    private int _transactionIds;

    private FakeCentralSystem(WebApplication app) => _app = app;

    public Uri OcppUrl { get; private set; } = null!;

    /// <summary>Every CALL received, as (station id, action, payload).</summary>
    public ConcurrentQueue<(string StationId, string Action, JsonNode? Payload)> Calls { get; } = new();

    public ConcurrentDictionary<string, string?> AuthorizationHeaders { get; } = new();

    public event Action<string, string>? CallReceived;

    public static async Task<FakeCentralSystem> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var system = new FakeCentralSystem(app);
        app.UseWebSockets();
        app.Map("/ocpp/{stationId}", (HttpContext context, string stationId) => system.AcceptAsync(context, stationId));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        system.OcppUrl = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/ocpp");
        return system;
    }

    public bool IsConnected(string stationId) => _connections.ContainsKey(stationId);

    /// <summary>Sends a CALL to a connected station and returns its answer frame.</summary>
    public async Task<JsonArray> SendAsync(string stationId, string action, string payload)
    {
        var connection = _connections[stationId];
        var id = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<JsonArray>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Waiting[id] = answer;
        await connection.SendAsync($"[2,\"{id}\",\"{action}\",{payload}]");
        return await answer.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AcceptAsync(HttpContext context, string stationId)
    {
        if (!context.WebSockets.IsWebSocketRequest || !context.WebSockets.WebSocketRequestedProtocols.Contains("ocpp1.6"))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        AuthorizationHeaders[stationId] = context.Request.Headers.Authorization.FirstOrDefault();
        using var socket = await context.WebSockets.AcceptWebSocketAsync("ocpp1.6");
        var connection = new Connection(socket);
        _connections[stationId] = connection;
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var received = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(received), context.RequestAborted);
                    received += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                var frame = JsonNode.Parse(buffer.AsSpan(0, received))!.AsArray();
                var type = frame[0]!.GetValue<int>();
                var id = frame[1]!.GetValue<string>();
                if (type != 2)
                {
                    if (connection.Waiting.TryRemove(id, out var waiting)) waiting.TrySetResult(frame);
                    continue;
                }

                var action = frame[2]!.GetValue<string>();
                var payload = frame[3];
                Calls.Enqueue((stationId, action, payload));
                await connection.SendAsync($"[3,\"{id}\",{Answer(action)}]");
                CallReceived?.Invoke(stationId, action);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            _connections.TryRemove(new KeyValuePair<string, Connection>(stationId, connection));
        }
    }

    private string Answer(string action)
    {
        var now = JsonSerializer.Serialize(DateTimeOffset.UtcNow);
        return action switch
        {
            "BootNotification" => $$"""{"status":"Accepted","currentTime":{{now}},"interval":300}""",
            "Heartbeat" => $$"""{"currentTime":{{now}}}""",
            "Authorize" => """{"idTagInfo":{"status":"Accepted"}}""",
            "StartTransaction" => $$"""{"transactionId":{{Interlocked.Increment(ref _transactionIds)}},"idTagInfo":{"status":"Accepted"} }""",
            "StopTransaction" => """{"idTagInfo":{"status":"Accepted"}}""",
            _ => "{}",
        };
    }

    private sealed class Connection(WebSocket socket)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public ConcurrentDictionary<string, TaskCompletionSource<JsonArray>> Waiting { get; } = new();

        public async Task SendAsync(string text)
        {
            await _send.WaitAsync();
            try
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            finally
            {
                _send.Release();
            }
        }
    }
}
