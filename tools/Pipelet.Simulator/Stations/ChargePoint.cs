using System.Globalization;
using System.Text.Json;
using Pipelet.Simulator.Load;
using Pipelet.Simulator.Ocpp;
using Pipelet.Simulator.Ocpp.Messages;

namespace Pipelet.Simulator.Stations;

/// <summary>
/// One simulated charge station: connects, boots, heartbeats on the fleet's shared scheduler, runs
/// charging sessions, answers the CSMS's CALLs, and reconnects (without a new BootNotification,
/// J 5.4) when its connection drops. At most one CALL of its own is in flight at a time.
/// </summary>
internal sealed class ChargePoint : IChargePointState
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);
    private static readonly OutgoingCall HeartbeatCall =
        new(OcppActions.Heartbeat, HeartbeatRequest.Instance, OcppJsonContext.Default.HeartbeatRequest, OcppJsonContext.Default.HeartbeatResponse);

    private readonly FleetContext _fleet;
    private readonly SemaphoreSlim _callGate = new(1, 1);
    private readonly Lock _stepLock = new();
    private StationConnection? _connection;
    private PendingCall? _pending;
    private Task _receiveLoop = Task.CompletedTask;
    private long _nextMessageId;
    private int _connectionEpoch;
    private bool _everConnected;
    private volatile bool _booted;
    private volatile bool _closing;
    private int _sessionGeneration;
    private bool _sessionChainActive;
    private bool _stepRunning;
    private bool _stepNudged;
    private int _inPool;

    public ChargePoint(int index, FleetContext fleet)
    {
        _fleet = fleet;
        StationId = fleet.Options.StationId(index);
        // Seeded per station: a run with the same seed makes the same choices.
        var random = new Random(unchecked(fleet.Options.Seed * 1_000_003 + index));
        Session = new ChargingSession(connectorId: 1, new MeterSampler(random), fleet.Plan, random);
        Configuration = new StationConfiguration(fleet.Options.Heartbeat ?? TimeSpan.FromSeconds(300), fleet.Options.MeterInterval);
    }

    public string StationId { get; }

    public int ConnectorCount => 1;

    public StationConfiguration Configuration { get; }

    public ChargingSession Session { get; }

    public int LocalListVersion { get; set; }

    public bool IsOnline => _connection is { IsOpen: true } && !_closing;

    public bool Booted => _booted;

    /// <summary>Opens the connection, boots if never booted, then announces itself and starts heartbeats.</summary>
    public async Task ConnectAsync()
    {
        if (_fleet.Stopping) return;
        var metrics = _fleet.Metrics;
        metrics.ConnectAttempted();
        StationConnection connection;
        try
        {
            using var timeout = new CancellationTokenSource(HandshakeTimeout);
            connection = await StationConnection.OpenAsync(
                _fleet.Options.StationUri(StationId), _fleet.Options.BasicAuthorization(StationId), _fleet.Invoker, timeout.Token);
        }
        catch (ConnectFailedException exception)
        {
            metrics.ConnectFailed(exception.Reason);
            ScheduleReconnect();
            return;
        }

        var reconnect = _everConnected;
        _everConnected = true;
        var epoch = Interlocked.Increment(ref _connectionEpoch);
        _connection = connection;
        metrics.ConnectSucceeded(reconnect);
        _receiveLoop = ReceiveLoopAsync(connection);
        if (_fleet.Stopping)
        {
            await CloseAsync();
            return;
        }

        if (_booted) await OnlineAsync(epoch, announce: false);
        else await BootThenOnlineAsync(epoch);
    }

    /// <summary>One CALL: waits for our previous one to finish, sends, and waits for the answer (or timeout, or disconnect).</summary>
    public async Task<CallResult> CallAsync(OutgoingCall call)
    {
        await _callGate.WaitAsync();
        _fleet.CallStarted();
        try
        {
            var connection = _connection;
            if (connection is null || !connection.IsOpen) return new(CallOutcome.Disconnected);

            var id = Interlocked.Increment(ref _nextMessageId);
            var pending = new PendingCall(call.Action, id.ToString(CultureInfo.InvariantCulture), call.ResponseType);
            using (var frame = new PooledBufferWriter())
            {
                OcppFrameWriter.WriteCall(frame, id, call.Action, call.Payload, call.PayloadType);
                Volatile.Write(ref _pending, pending);
                pending.MarkSent();
                _fleet.Metrics.CallSent(call.Action);
                if (!await connection.SendAsync(frame.WrittenMemory) && Interlocked.CompareExchange(ref _pending, null, pending) == pending)
                {
                    _fleet.Metrics.CallLost();
                    pending.Complete(new(CallOutcome.Disconnected));
                }
            }

            return await pending.Completion;
        }
        finally
        {
            _fleet.CallEnded();
            _callGate.Release();
        }
    }

    /// <summary>The next step of the charging session; returns how long a real charger would pause before the one after.</summary>
    public async Task<TimeSpan> SessionStepAsync()
    {
        var step = Session.Step;
        var result = await CallAsync(Session.NextCall(_fleet.Time.GetUtcNow()));
        if (step == SessionStep.StartTransaction && result.Response is StartTransactionResponse { IdTagInfo.IsAccepted: true }) _fleet.Metrics.SessionStarted();
        if (step == SessionStep.StopTransaction && result.Answered) _fleet.Metrics.SessionStopped();
        return Session.Advance(result.Answered, result.Response);
    }

    /// <summary>Called by the shared scheduler's sweep: gives up on a CALL unanswered for longer than the timeout.</summary>
    public void ExpireOverdueCall(TimeSpan timeout)
    {
        var pending = Volatile.Read(ref _pending);
        if (pending is null || pending.SentTimestamp == 0 || pending.Elapsed < timeout) return;
        if (Interlocked.CompareExchange(ref _pending, null, pending) != pending) return;
        _fleet.Metrics.CallTimedOut(pending.Action);
        pending.Complete(new(CallOutcome.TimedOut));
    }

    /// <summary>Closes the connection normally and waits (briefly) for the gateway's close answer.</summary>
    public async Task CloseAsync()
    {
        _closing = true;
        if (_connection is not { } connection) return;
        await connection.CloseAsync();
        try
        {
            await _receiveLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            connection.Abort();
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // The loop ended badly; the connection is gone either way.
        }
    }

    // ---- sessions on the station's own clock (no pacing) ----

    /// <summary>Starts (or resumes after a reconnect) the session script on the shared scheduler.</summary>
    public void ResumeSessions(TimeSpan delay)
    {
        lock (_stepLock)
        {
            if (_sessionChainActive) return;
            _sessionChainActive = true;
        }

        ScheduleSessionStep(delay);
    }

    private void ScheduleSessionStep(TimeSpan delay)
    {
        if (delay == TimeSpan.MaxValue) return; // sessions are off
        var generation = Interlocked.Increment(ref _sessionGeneration);
        _fleet.Scheduler.Schedule(delay, () => _ = RunScheduledStepAsync(generation));
    }

    private async Task RunScheduledStepAsync(int generation)
    {
        lock (_stepLock)
        {
            if (generation != Volatile.Read(ref _sessionGeneration)) return;
            if (!IsOnline || _fleet.Stopping)
            {
                _sessionChainActive = false;
                return;
            }

            if (_stepRunning)
            {
                _stepNudged = true;
                return;
            }

            _stepRunning = true;
        }

        var delay = await SessionStepAsync();
        bool nudged;
        lock (_stepLock)
        {
            _stepRunning = false;
            nudged = _stepNudged;
            _stepNudged = false;
            if (!IsOnline || _fleet.Stopping)
            {
                _sessionChainActive = false;
                return;
            }
        }

        ScheduleSessionStep(nudged ? TimeSpan.Zero : delay);
    }

    /// <summary>A remote start or stop changed the script: run its next step now rather than after the pause.</summary>
    private void NudgeSession()
    {
        if (_fleet.Options.Paced) return;
        lock (_stepLock)
        {
            if (!_sessionChainActive) return;
            if (_stepRunning)
            {
                _stepNudged = true;
                return;
            }
        }

        ScheduleSessionStep(TimeSpan.Zero);
    }

    // ---- the paced driver's pool of idle stations ----

    /// <summary>Marks the station as waiting in the pacer's pool; false if it already is.</summary>
    public bool TryEnterPool() => Interlocked.CompareExchange(ref _inPool, 1, 0) == 0;

    public void LeavePool() => Interlocked.Exchange(ref _inPool, 0);

    // ---- connection life ----

    private async Task BootThenOnlineAsync(int epoch)
    {
        var request = new BootNotificationRequest("Pipelet", "Simulator AC", $"SN-{StationId}", "1.0.0", "Simulated meter");
        var result = await CallAsync(new OutgoingCall(
            OcppActions.BootNotification, request, OcppJsonContext.Default.BootNotificationRequest, OcppJsonContext.Default.BootNotificationResponse));
        if (epoch != Volatile.Read(ref _connectionEpoch) || _fleet.Stopping) return;

        if (result.Response is BootNotificationResponse { Status: "Accepted" } accepted)
        {
            _booted = true;
            _fleet.Metrics.BootAccepted();
            var heartbeat = _fleet.Options.Heartbeat ?? (accepted.Interval > 0 ? TimeSpan.FromSeconds(accepted.Interval) : TimeSpan.FromSeconds(300));
            Configuration.Change(StationConfiguration.HeartbeatInterval, ((int)heartbeat.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            await OnlineAsync(epoch, announce: true);
            return;
        }

        // Pending or Rejected: boot again after the interval the CSMS asked for; after an error, in 30 s.
        var wait = result.Response is BootNotificationResponse { Interval: > 0 } refused ? TimeSpan.FromSeconds(refused.Interval) : TimeSpan.FromSeconds(30);
        _fleet.Scheduler.Schedule(wait, () =>
        {
            if (IsOnline && epoch == Volatile.Read(ref _connectionEpoch)) _ = BootThenOnlineAsync(epoch);
        });
    }

    private async Task OnlineAsync(int epoch, bool announce)
    {
        if (announce)
        {
            var now = _fleet.Time.GetUtcNow();
            await CallAsync(StatusCall(0, ChargePointStatus.Available, now));
            await CallAsync(StatusCall(Session.ConnectorId, Session.ConnectorStatus, now));
        }

        // The first heartbeat at a random point of the interval, so the fleet's heartbeats spread evenly.
        ScheduleHeartbeat(epoch, Configuration.Heartbeat * Random.Shared.NextDouble());
        if (IsOnline && !_fleet.Stopping) _fleet.StationReady(this);
    }

    private void ScheduleHeartbeat(int epoch, TimeSpan delay) =>
        _fleet.Scheduler.Schedule(delay, () => _ = HeartbeatAsync(epoch));

    private async Task HeartbeatAsync(int epoch)
    {
        if (epoch != Volatile.Read(ref _connectionEpoch) || !IsOnline || _fleet.Stopping) return;
        await CallAsync(HeartbeatCall);
        ScheduleHeartbeat(epoch, Configuration.Heartbeat);
    }

    private void ScheduleReconnect()
    {
        if (_fleet.Stopping || _closing || !_fleet.Options.Reconnect) return;
        // 5 to 15 s, so a gateway restart does not meet the whole fleet in the same second.
        _fleet.Scheduler.Schedule(TimeSpan.FromSeconds(5 + 10 * Random.Shared.NextDouble()), () => _ = ConnectAsync());
    }

    private async Task ReceiveLoopAsync(StationConnection connection)
    {
        string how;
        try
        {
            how = await connection.ReceiveAsync(message => OnMessageAsync(connection, message), CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A bug of ours on one message must cost this connection, not the run.
            how = $"simulator error ({exception.GetType().Name})";
            connection.Abort();
        }

        var unexpected = !_closing && !_fleet.Stopping;
        _fleet.Metrics.Disconnected(unexpected, how);
        if (Interlocked.Exchange(ref _pending, null) is { } pending)
        {
            _fleet.Metrics.CallLost();
            pending.Complete(new(CallOutcome.Disconnected));
        }

        await connection.DisposeAsync();
        if (unexpected) ScheduleReconnect();
    }

    private async ValueTask OnMessageAsync(StationConnection connection, ReadOnlyMemory<byte> message)
    {
        if (!IncomingFrame.TryParse(message, out var frame, out var unknownType, out var problem))
        {
            // J 4.1.3: a frame with an unknown message type is ignored; anything else malformed is a gateway bug.
            _fleet.Metrics.ProtocolViolation(unknownType ? "unknown message type (ignored)" : $"malformed frame: {problem}");
            return;
        }

        if (frame.Type == MessageType.Call) await AnswerAsync(connection, frame);
        else CompleteCall(frame);
    }

    private void CompleteCall(IncomingFrame frame)
    {
        var pending = Volatile.Read(ref _pending);
        if (pending is null || pending.MessageId != frame.MessageId || Interlocked.CompareExchange(ref _pending, null, pending) != pending)
        {
            _fleet.Metrics.UnmatchedAnswer();
            return;
        }

        var latency = pending.Elapsed;
        if (frame.Type == MessageType.CallError)
        {
            _fleet.Metrics.CallErrored(pending.Action, frame.ErrorCode!, latency);
            pending.Complete(new(CallOutcome.CallError, ErrorCode: frame.ErrorCode));
            return;
        }

        object? response = null;
        if (pending.ResponseType is { } type)
        {
            try
            {
                response = JsonSerializer.Deserialize(frame.Payload.Span, type);
            }
            catch (JsonException)
            {
                _fleet.Metrics.ProtocolViolation($"{pending.Action}.conf does not match the OCPP 1.6 schema");
            }
        }

        _fleet.Metrics.CallAnswered(pending.Action, latency);
        pending.Complete(new(CallOutcome.Answered, response));
    }

    private async ValueTask AnswerAsync(StationConnection connection, IncomingFrame frame)
    {
        var action = frame.Action!;
        _fleet.Metrics.CommandReceived(action);
        var answer = CommandResponder.Answer(action, frame.Payload.Span, this);
        using (var output = new PooledBufferWriter())
        {
            if (answer.IsError) OcppFrameWriter.WriteCallError(output, frame.MessageId, answer.ErrorCode!, answer.ErrorDescription ?? "");
            else OcppFrameWriter.WriteCallResult(output, frame.MessageId, answer.Payload!, answer.PayloadType!);
            _fleet.Metrics.CommandAnswered(answer.IsError);
            await connection.SendAsync(output.WrittenMemory);
        }

        // What the command asked for happens after its answer, as on a real charger.
        if (answer.Trigger is { } trigger) _ = SendTriggeredAsync(trigger);
        if (answer.SessionChanged) NudgeSession();
    }

    private async Task SendTriggeredAsync(string message)
    {
        var context = OcppJsonContext.Default;
        var now = _fleet.Time.GetUtcNow();
        var call = message switch
        {
            OcppActions.BootNotification => new OutgoingCall(message,
                new BootNotificationRequest("Pipelet", "Simulator AC", $"SN-{StationId}", "1.0.0", "Simulated meter"),
                context.BootNotificationRequest, context.BootNotificationResponse),
            OcppActions.Heartbeat => HeartbeatCall,
            OcppActions.MeterValues => Session.TriggeredMeterValues(now),
            OcppActions.DiagnosticsStatusNotification => new OutgoingCall(message, new DiagnosticsStatusNotificationRequest("Idle"), context.DiagnosticsStatusNotificationRequest),
            OcppActions.FirmwareStatusNotification => new OutgoingCall(message, new FirmwareStatusNotificationRequest("Idle"), context.FirmwareStatusNotificationRequest),
            _ => StatusCall(Session.ConnectorId, Session.ConnectorStatus, now),
        };
        await CallAsync(call);
    }

    private static OutgoingCall StatusCall(int connectorId, string status, DateTimeOffset now) =>
        new(OcppActions.StatusNotification,
            new StatusNotificationRequest(connectorId, "NoError", status, now),
            OcppJsonContext.Default.StatusNotificationRequest);
}
