using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Pipelet.Simulator.Ocpp;

namespace Pipelet.Simulator.Stations;

/// <summary>
/// One station's OCPP-J WebSocket: the handshake (subprotocol <c>ocpp1.6</c>, optional HTTP Basic of
/// security profile 1), whole-message receive into a small per-socket buffer (larger messages are
/// assembled in a pooled one), and serialized sends. Client keep-alive pings are off: the gateway
/// pings, and one timer per socket would not scale.
/// </summary>
internal sealed class StationConnection : IAsyncDisposable
{
    public const string SubProtocol = "ocpp1.6";
    private const int ReceiveBufferSize = 1024;
    private const int MaxMessageSize = 1024 * 1024;

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferSize];

    private StationConnection(ClientWebSocket socket) => _socket = socket;

    public bool IsOpen => _socket.State == WebSocketState.Open;

    public static async Task<StationConnection> OpenAsync(Uri uri, string? authorization, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(SubProtocol);
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.CollectHttpResponseDetails = true;
        if (authorization is not null) socket.Options.SetRequestHeader("Authorization", authorization);
        try
        {
            await socket.ConnectAsync(uri, invoker, cancellationToken);
        }
        catch (Exception exception) when (exception is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
        {
            // The token is the handshake's own timeout: a cancellation here is a handshake that took too long.
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new ConnectFailedException(cancellationToken.IsCancellationRequested ? "handshake timeout" : Categorize(status, exception), exception);
        }

        // J 3.2: a client that offered a subprotocol aborts if the answer does not name it.
        if (socket.SubProtocol != SubProtocol)
        {
            socket.Abort();
            socket.Dispose();
            throw new ConnectFailedException("no ocpp1.6 in Sec-WebSocket-Protocol");
        }

        return new StationConnection(socket);
    }

    /// <summary>
    /// Receives whole text messages until the connection ends and hands each to <paramref name="onMessage"/>
    /// (the memory is only valid during the call). Returns how it ended, for the report.
    /// </summary>
    public async Task<string> ReceiveAsync(Func<ReadOnlyMemory<byte>, ValueTask> onMessage, CancellationToken cancellationToken)
    {
        PooledBufferWriter? assembly = null;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return $"closed by gateway ({_socket.CloseStatus?.ToString() ?? "no status"})";
                }

                if (result.EndOfMessage && assembly is null)
                {
                    if (result.MessageType == WebSocketMessageType.Text) await onMessage(_receiveBuffer.AsMemory(0, result.Count));
                    continue;
                }

                assembly ??= new PooledBufferWriter(ReceiveBufferSize * 4);
                assembly.Write(_receiveBuffer.AsSpan(0, result.Count));
                if (assembly.WrittenCount > MaxMessageSize)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig);
                    return "message too big";
                }

                if (!result.EndOfMessage) continue;
                if (result.MessageType == WebSocketMessageType.Text) await onMessage(assembly.WrittenMemory);
                assembly.Dispose();
                assembly = null;
            }
        }
        catch (OperationCanceledException)
        {
            // Our token, or Abort() on the socket (a close that got no answer in time).
            return cancellationToken.IsCancellationRequested ? "stopped" : "aborted";
        }
        catch (WebSocketException exception)
        {
            return $"aborted ({exception.WebSocketErrorCode})";
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            return "aborted (I/O)";
        }
        finally
        {
            assembly?.Dispose();
        }
    }

    /// <summary>Sends one text message; false if the connection is gone.</summary>
    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State != WebSocketState.Open) return false;
            await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Starts a normal close (sends our close frame); the receive loop ends when the gateway answers.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure)
    {
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(status, null, timeout.Token);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            _socket.Abort();
        }
    }

    public void Abort() => _socket.Abort();

    public ValueTask DisposeAsync()
    {
        // The send gate is not disposed: a late sender must find the socket closed, not the gate gone.
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Categorize(HttpStatusCode status, Exception exception)
    {
        if (status != 0) return $"HTTP {(int)status}";
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket) return $"socket {socket.SocketErrorCode}";
        }

        return exception is OperationCanceledException ? "handshake timeout" : exception.GetType().Name;
    }
}
