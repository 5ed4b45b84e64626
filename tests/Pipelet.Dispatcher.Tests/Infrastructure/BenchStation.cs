using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// A minimal OCPP 1.6J charge point for the latency benchmark: connects with subprotocol
/// <c>ocpp1.6</c>, boots, then sends DataTransfer CALLs carrying a token and notes when each CALL
/// left and when its CALLRESULT came back (<see cref="Stopwatch"/> ticks). One CALL at a time, as the
/// spec asks of a station.
/// </summary>
public sealed class BenchStation : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _waiting = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;
    private long _nextId;

    private BenchStation(string id) => Id = id;

    public string Id { get; }

    /// <summary>True while a CALL waits for its answer (a station sends one at a time).</summary>
    public bool Busy => !_waiting.IsEmpty;

    public static async Task<BenchStation> ConnectAsync(Uri gateway, string id, CancellationToken cancellationToken)
    {
        var station = new BenchStation(id);
        station._socket.Options.AddSubProtocol("ocpp1.6");
        await station._socket.ConnectAsync(new Uri(gateway, $"ocpp/{id}"), cancellationToken);
        station._reading = Task.Run(station.ReadLoopAsync, CancellationToken.None);
        var (_, answered) = await station.CallAsync("BootNotification", """{"chargePointVendor":"Pipelet","chargePointModel":"Bench"}""", cancellationToken);
        await answered;
        return station;
    }

    /// <summary>Sends a CALL; returns when it was sent (ticks) and a task that completes with the ticks its answer arrived.</summary>
    public async Task<(long SentAt, Task<long> AnsweredAt)> CallAsync(string action, string payloadJson, CancellationToken cancellationToken)
    {
        var messageId = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[messageId] = answer;
        var frame = Encoding.UTF8.GetBytes($"[2,\"{messageId}\",\"{action}\",{payloadJson}]");
        var sentAt = Stopwatch.GetTimestamp();
        await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        return (sentAt, answer.Task);
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.GetMemory(4096), _stop.Token);
                    buffer.Advance(result.Count);
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                var at = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close) return;
                using var frame = JsonDocument.Parse(buffer.WrittenMemory);
                var root = frame.RootElement;
                var type = root[0].GetInt32();
                var messageId = root[1].GetString()!;
                if (type is 3 or 4 && _waiting.TryRemove(messageId, out var answer))
                {
                    if (type == 3) answer.TrySetResult(at);
                    else answer.TrySetException(new InvalidOperationException($"Station {Id} got CALLERROR {root.GetRawText()}"));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            foreach (var waiting in _waiting.Values) waiting.TrySetCanceled();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bench over", timeout.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }

        await _stop.CancelAsync();
        await _reading;
        _socket.Dispose();
        _stop.Dispose();
    }
}
