using System.Net.WebSockets;
using System.Text.Json;
using Pipelet.Contracts.Gateway;
using Pipelet.Gateway.Ocpp;

namespace Pipelet.Gateway.Stations;

/// <summary>
/// One station's open socket: serialized sends, our single outstanding CALL (others queue behind it,
/// J 4.1.1), and the bookkeeping the registry and the stations API read. Small on purpose: ten thousand
/// of these live at once, and none holds a buffer while idle.
/// </summary>
internal sealed class StationSession(string stationId, WebSocket socket, DateTimeOffset connectedAt)
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    // Completes Ended when the session ends before anyone waited for it.
    private static readonly TaskCompletionSource EndedBeforeAsked = EndedAlready();

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    // Made on first use: most stations never get a CALL of ours, and only a replaced session is waited for.
    private SemaphoreSlim? _callGate;
    private TaskCompletionSource? _ended;
    private PendingCall? _pending;
    private string? _closeReason;
    private long _lastMessageTicks = connectedAt.UtcTicks;
    private int _lastMessageDirty;

    public string StationId { get; } = stationId;

    public Guid SessionId { get; } = Guid.CreateVersion7(connectedAt);

    public DateTimeOffset ConnectedAt { get; } = connectedAt;

    public DateTimeOffset LastMessageAt => new(Volatile.Read(ref _lastMessageTicks), TimeSpan.Zero);

    public WebSocket Socket => socket;

    /// <summary>
    /// Cancelled when the session ends, or a grace period after we asked to close it; either also aborts the socket, so
    /// whatever waits on it ends. The receive loop and the answers pass no token, so the WebSocket skips its registration
    /// per read (and, for a send, its slower path); the socket is aborted by <see cref="Stop"/> and, only once we close
    /// it, by a registration made then (none is kept per held station).
    /// </summary>
    public CancellationToken Lifetime => _lifetime.Token;

    /// <summary>Completes once the session is over and its Disconnect event is out.</summary>
    /// <remarks>The first to ask makes the completion; once <see cref="MarkEnded"/> ran it is an already completed one.</remarks>
    public Task Ended => (Volatile.Read(ref _ended)
        ?? Interlocked.CompareExchange(ref _ended, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null)
        ?? _ended).Task;

    /// <summary>Why we closed the socket ourselves; null when the station or the network did.</summary>
    public string? CloseReason => Volatile.Read(ref _closeReason);

    public void Touch(DateTimeOffset at)
    {
        Volatile.Write(ref _lastMessageTicks, at.UtcTicks);
        Volatile.Write(ref _lastMessageDirty, 1);
    }

    /// <summary>True once per change of <see cref="LastMessageAt"/>, for the registry's periodic write.</summary>
    public bool TakeLastMessageChange() => Interlocked.Exchange(ref _lastMessageDirty, 0) == 1;

    /// <summary>Sends a frame for as long as the session lasts (its end aborts the socket, and so the send).</summary>
    public Task SendAsync(ReadOnlyMemory<byte> frame) => SendAsync(frame, CancellationToken.None);

    public async Task SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Closes from our side: a close frame now, and the socket aborted if the station has not answered
    /// it within a few seconds. The first reason given wins.
    /// </summary>
    public void Close(WebSocketCloseStatus status, string description, string reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null) return;
        _ = CloseCoreAsync(status, description);
    }

    /// <summary>The station has connected again (here or on another instance): the newest connection wins.</summary>
    public void CloseReplaced() => Close(WebSocketCloseStatus.PolicyViolation, "Replaced by a newer connection", "replaced");

    private async Task CloseCoreAsync(WebSocketCloseStatus status, string description)
    {
        try
        {
            _lifetime.Token.UnsafeRegister(static s => ((WebSocket)s!).Abort(), socket);
            _lifetime.CancelAfter(CloseGrace);
            await _sendLock.WaitAsync(_lifetime.Token);
            try
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.CloseOutputAsync(status, description, _lifetime.Token);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket is going away anyway; the receive loop notices and ends the session.
        }
    }

    /// <summary>
    /// Sends one CALL of ours and waits for the station's answer. At most one is in flight; later ones
    /// wait their turn within the same <paramref name="timeout"/>. <paramref name="beforeSend"/> runs
    /// right before the frame goes out (the command's event is published there; if it throws, nothing is sent).
    /// </summary>
    public async Task<StationCommandResult> CallAsync(
        string action, JsonElement payload, TimeSpan timeout, Func<Task> beforeSend, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        deadline.CancelAfter(timeout);
        var callGate = LazyInitializer.EnsureInitialized(ref _callGate, static () => new SemaphoreSlim(1, 1));
        try
        {
            await callGate.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Result(_lifetime.IsCancellationRequested ? StationCommandStatus.Disconnected : StationCommandStatus.Timeout);
        }

        try
        {
            await beforeSend();
            var pending = new PendingCall(Guid.CreateVersion7().ToString("N"));
            Volatile.Write(ref _pending, pending);
            using (var frame = new PooledBuffer())
            {
                OcppFrameWriter.WriteCall(frame, pending.MessageId, action, payload);
                await SendAsync(frame.WrittenMemory, deadline.Token);
            }

            var reply = await pending.Reply.Task.WaitAsync(deadline.Token);
            return reply with { StationId = StationId, Action = action };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Result(_lifetime.IsCancellationRequested ? StationCommandStatus.Disconnected : StationCommandStatus.Timeout);
        }
        catch (WebSocketException)
        {
            return Result(StationCommandStatus.Disconnected);
        }
        finally
        {
            Volatile.Write(ref _pending, null);
            callGate.Release();
        }

        StationCommandResult Result(StationCommandStatus status) => new(StationId, action, status);
    }

    /// <summary>Hands a CALLRESULT or CALLERROR to our outstanding CALL when the ids match.</summary>
    public bool TryCompleteCall(OcppFrame frame)
    {
        var pending = Volatile.Read(ref _pending);
        if (pending is null) return false;
        var result = frame switch
        {
            CallResultFrame r when r.MessageId == pending.MessageId =>
                new StationCommandResult(StationId, "", StationCommandStatus.Answered, r.Payload.Clone()),
            CallErrorFrame e when e.MessageId == pending.MessageId =>
                new StationCommandResult(StationId, "", StationCommandStatus.CallError, null, e.ErrorCode, e.ErrorDescription,
                    e.ErrorDetails.ValueKind == JsonValueKind.Undefined ? null : e.ErrorDetails.Clone()),
            MalformedFrame m when m.MessageId == pending.MessageId =>
                new StationCommandResult(StationId, "", StationCommandStatus.CallError, null, m.ErrorCode,
                    "The station's answer was malformed: " + m.Description),
            _ => null,
        };
        return result is not null && pending.Reply.TrySetResult(result);
    }

    /// <summary>The socket is gone: fail whatever waits on it.</summary>
    public void Stop()
    {
        Volatile.Read(ref _pending)?.Reply.TrySetResult(new StationCommandResult(StationId, "", StationCommandStatus.Disconnected));
        _lifetime.Cancel();
        socket.Abort();
    }

    public void MarkEnded() => Interlocked.CompareExchange(ref _ended, EndedBeforeAsked, null)?.TrySetResult();

    private static TaskCompletionSource EndedAlready()
    {
        var ended = new TaskCompletionSource();
        ended.SetResult();
        return ended;
    }

    private sealed class PendingCall(string messageId)
    {
        public string MessageId { get; } = messageId;

        public TaskCompletionSource<StationCommandResult> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
