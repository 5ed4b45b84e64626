using Pipelet.Simulator.Ocpp;
using Pipelet.Simulator.Ocpp.Messages;

namespace Pipelet.Simulator.Stations;

/// <summary>
/// The charging-session script of one connector, as a state machine with no I/O: it says which CALL
/// to send next and, given the outcome, how long a real charger would wait before the following one.
/// Authorize, StatusNotification Preparing, StartTransaction, Charging, MeterValues..., StopTransaction,
/// Finishing, Available, pause. Start and Stop are retried with the identical payload when unanswered,
/// as chargers do (the gateway must answer a repeated StartTransaction with the same transaction id).
/// Thread-safe: remote start/stop requests arrive on the receive loop while a step runs elsewhere.
/// </summary>
internal sealed class ChargingSession(int connectorId, MeterSampler meter, SessionPlan plan, Random random)
{
    private static readonly TimeSpan Brief = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private string _idTag = "";
    private int _meterValuesSent;
    private int _attempts;
    private string _stopReason = "Local";
    private StartTransactionRequest? _start;
    private StopTransactionRequest? _stop;

    public int ConnectorId => connectorId;

    public SessionStep Step { get; private set; } = SessionStep.Authorize;

    public int? TransactionId { get; private set; }

    /// <summary>The connector status a StatusNotification (e.g. triggered) should report now.</summary>
    public string ConnectorStatus
    {
        get
        {
            lock (_lock)
            {
                return Step switch
                {
                    SessionStep.Authorize or SessionStep.StatusPreparing => ChargePointStatus.Available,
                    SessionStep.StartTransaction or SessionStep.StatusCharging => ChargePointStatus.Preparing,
                    SessionStep.MeterValues or SessionStep.StopTransaction or SessionStep.StatusFinishing => ChargePointStatus.Charging,
                    _ => ChargePointStatus.Finishing,
                };
            }
        }
    }

    /// <summary>The delay before the first session: a random part of the idle pause, so stations do not start in step.</summary>
    /// <summary>
    /// The pause before the first session; none when a remote start was accepted before the station was ready
    /// (it answers CSMS commands from its first StatusNotification on), or that start would wait for the pause,
    /// which is forever when the station runs no sessions of its own.
    /// </summary>
    public TimeSpan FirstDelay()
    {
        lock (_lock) return Step == SessionStep.Authorize ? Idle() : TimeSpan.Zero;
    }

    /// <summary>MeterValues asked for by TriggerMessage: a reading now, in the transaction if one runs.</summary>
    public OutgoingCall TriggeredMeterValues(DateTimeOffset now)
    {
        lock (_lock)
        {
            var sample = meter.Sample(now, TimeSpan.Zero);
            var reading = sample with { SampledValue = [.. sample.SampledValue.Select(value => value with { Context = "Trigger" })] };
            return new(OcppActions.MeterValues, new MeterValuesRequest(connectorId, [reading], TransactionId), OcppJsonContext.Default.MeterValuesRequest);
        }
    }

    /// <summary>The CALL to send for the current step.</summary>
    public OutgoingCall NextCall(DateTimeOffset now)
    {
        lock (_lock)
        {
            var context = OcppJsonContext.Default;
            switch (Step)
            {
                case SessionStep.Authorize:
                    if (_idTag.Length == 0) _idTag = NewIdTag();
                    return new(OcppActions.Authorize, new AuthorizeRequest(_idTag), context.AuthorizeRequest, context.AuthorizeResponse);
                case SessionStep.StatusPreparing:
                    return Status(ChargePointStatus.Preparing, now);
                case SessionStep.StartTransaction:
                    _start ??= new StartTransactionRequest(connectorId, _idTag, meter.RegisterWh, now);
                    return new(OcppActions.StartTransaction, _start, context.StartTransactionRequest, context.StartTransactionResponse);
                case SessionStep.StatusCharging:
                    return Status(ChargePointStatus.Charging, now);
                case SessionStep.MeterValues:
                    var sample = meter.Sample(now, plan.MeterInterval);
                    return new(OcppActions.MeterValues, new MeterValuesRequest(connectorId, [sample], TransactionId), context.MeterValuesRequest);
                case SessionStep.StopTransaction:
                    _stop ??= new StopTransactionRequest(meter.RegisterWh, now, TransactionId ?? 0, _stopReason, _idTag);
                    return new(OcppActions.StopTransaction, _stop, context.StopTransactionRequest, context.StopTransactionResponse);
                case SessionStep.StatusFinishing:
                    return Status(ChargePointStatus.Finishing, now);
                default:
                    return Status(ChargePointStatus.Available, now);
            }
        }
    }

    /// <summary>
    /// Moves on after the CALL of the current step got a CALLRESULT (<paramref name="response"/>, read
    /// with the call's response type) or not (null with <paramref name="answered"/> false: CALLERROR,
    /// timeout, connection lost). Returns the pause before the next step.
    /// </summary>
    public TimeSpan Advance(bool answered, object? response)
    {
        lock (_lock)
        {
            switch (Step)
            {
                case SessionStep.Authorize:
                    if (answered && response is AuthorizeResponse { IdTagInfo.IsAccepted: true })
                    {
                        meter.BeginSession();
                        return MoveTo(SessionStep.StatusPreparing, Brief);
                    }

                    _idTag = "";
                    return MoveTo(SessionStep.Authorize, Idle());
                case SessionStep.StatusPreparing:
                    return MoveTo(SessionStep.StartTransaction, Brief);
                case SessionStep.StartTransaction:
                    if (response is StartTransactionResponse started)
                    {
                        TransactionId = started.TransactionId;
                        if (started.IdTagInfo.IsAccepted) return MoveTo(SessionStep.StatusCharging, TimeSpan.Zero);
                        _stopReason = "DeAuthorized";
                        return MoveTo(SessionStep.StopTransaction, TimeSpan.Zero);
                    }

                    // Unanswered: resend the identical StartTransaction, then give up on the session.
                    if (++_attempts < plan.TransactionMessageAttempts) return plan.MeterInterval;
                    return MoveTo(SessionStep.StatusAvailable, Brief);
                case SessionStep.StatusCharging:
                    return MoveTo(SessionStep.MeterValues, plan.MeterInterval);
                case SessionStep.MeterValues:
                    if (++_meterValuesSent < plan.MeterValuesPerSession) return plan.MeterInterval;
                    return MoveTo(SessionStep.StopTransaction, plan.MeterInterval);
                case SessionStep.StopTransaction:
                    if (!answered && ++_attempts < plan.TransactionMessageAttempts) return plan.MeterInterval;
                    return MoveTo(SessionStep.StatusFinishing, TimeSpan.Zero);
                case SessionStep.StatusFinishing:
                    return MoveTo(SessionStep.StatusAvailable, Brief);
                default:
                    EndSession();
                    return MoveTo(SessionStep.Authorize, Idle());
            }
        }
    }

    /// <summary>RemoteStartTransaction: accepted only when the connector is free; skips Authorize.</summary>
    public bool RequestRemoteStart(string idTag)
    {
        lock (_lock)
        {
            if (Step != SessionStep.Authorize) return false;
            _idTag = idTag;
            meter.BeginSession();
            Step = SessionStep.StatusPreparing;
            return true;
        }
    }

    /// <summary>RemoteStopTransaction: accepted only for the running transaction.</summary>
    public bool RequestRemoteStop(int transactionId)
    {
        lock (_lock)
        {
            if (TransactionId != transactionId || Step is not (SessionStep.StatusCharging or SessionStep.MeterValues)) return false;
            _stopReason = "Remote";
            Step = SessionStep.StopTransaction;
            return true;
        }
    }

    private OutgoingCall Status(string status, DateTimeOffset now) =>
        new(OcppActions.StatusNotification,
            new StatusNotificationRequest(connectorId, "NoError", status, now),
            OcppJsonContext.Default.StatusNotificationRequest);

    private TimeSpan MoveTo(SessionStep step, TimeSpan delay)
    {
        if (step != Step) _attempts = 0;
        Step = step;
        return delay;
    }

    private void EndSession()
    {
        _idTag = "";
        _meterValuesSent = 0;
        _stopReason = "Local";
        _start = null;
        _stop = null;
        TransactionId = null;
    }

    private TimeSpan Idle()
    {
        if (!plan.SessionsEnabled) return TimeSpan.MaxValue;
        // Exponential pauses: drivers arrive independently of each other.
        var draw = -Math.Log(1 - random.NextDouble());
        return TimeSpan.FromTicks((long)Math.Min(plan.MeanIdle.Ticks * draw, TimeSpan.FromDays(1).Ticks));
    }

    private string NewIdTag() => $"RFID{random.Next():X8}";
}
