using Pipelet.Simulator.Ocpp;
using Pipelet.Simulator.Ocpp.Messages;
using Pipelet.Simulator.Stations;

namespace Pipelet.Simulator.Tests;

public sealed class ChargingSessionTests
{
    private static readonly DateTimeOffset Now = new(2026, 4, 14, 12, 0, 0, TimeSpan.Zero);
    private static readonly IdTagInfo Accepted = new("Accepted");

    [Fact]
    public void A_session_sends_what_a_charger_sends_in_order()
    {
        var session = NewSession(meterValuesPerSession: 3);
        var sent = new List<string>();

        for (var step = 0; step < 11; step++)
        {
            var call = session.NextCall(Now);
            sent.Add(call.Payload is StatusNotificationRequest status ? $"Status:{status.Status}" : call.Action);
            session.Advance(answered: true, Answer(call));
        }

        Assert.Equal(
            new[]
            {
                "Authorize", "Status:Preparing", "StartTransaction", "Status:Charging",
                "MeterValues", "MeterValues", "MeterValues", "StopTransaction",
                "Status:Finishing", "Status:Available", "Authorize",
            },
            sent);
    }

    [Fact]
    public void MeterValues_and_StopTransaction_carry_the_transaction_id_and_a_growing_register()
    {
        var session = NewSession(meterValuesPerSession: 2);
        StartTransactionRequest? start = null;
        var registers = new List<double>();
        StopTransactionRequest? stop = null;

        while (stop is null)
        {
            var call = session.NextCall(Now);
            switch (call.Payload)
            {
                case StartTransactionRequest s: start = s; break;
                case MeterValuesRequest m:
                    Assert.Equal(42, m.TransactionId);
                    registers.Add(double.Parse(m.MeterValue[0].SampledValue.Single(v => v.Measurand == "Energy.Active.Import.Register").Value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case StopTransactionRequest s: stop = s; break;
            }

            session.Advance(true, Answer(call));
        }

        Assert.NotNull(start);
        Assert.Equal(42, stop.TransactionId);
        Assert.Equal("Local", stop.Reason);
        Assert.True(registers[1] > registers[0]);
        Assert.True(stop.MeterStop >= start.MeterStart);
    }

    [Fact]
    public void An_unanswered_StartTransaction_is_resent_identically()
    {
        var session = NewSession();
        AdvanceTo(session, SessionStep.StartTransaction);

        var first = session.NextCall(Now);
        var delay = session.Advance(answered: false, response: null);
        var second = session.NextCall(Now.AddMinutes(1));

        Assert.Equal(SessionStep.StartTransaction, session.Step);
        Assert.True(delay > TimeSpan.Zero);
        Assert.Same(first.Payload, second.Payload);
    }

    [Fact]
    public void A_rejected_idTag_goes_back_to_waiting_for_a_driver()
    {
        var session = NewSession();
        var call = session.NextCall(Now);

        session.Advance(true, new AuthorizeResponse(new IdTagInfo("Invalid")));

        Assert.Equal(OcppActions.Authorize, call.Action);
        Assert.Equal(SessionStep.Authorize, session.Step);
    }

    [Fact]
    public void A_StartTransaction_answered_with_a_refused_idTag_is_stopped_as_deauthorized()
    {
        var session = NewSession();
        AdvanceTo(session, SessionStep.StartTransaction);
        session.NextCall(Now);

        session.Advance(true, new StartTransactionResponse(7, new IdTagInfo("Blocked")));
        var stop = (StopTransactionRequest)session.NextCall(Now).Payload;

        Assert.Equal(7, stop.TransactionId);
        Assert.Equal("DeAuthorized", stop.Reason);
    }

    [Fact]
    public void Remote_start_skips_Authorize_and_remote_stop_ends_the_running_transaction()
    {
        var session = NewSession(meterValuesPerSession: 100);

        Assert.True(session.RequestRemoteStart("REMOTE1"));
        Assert.False(session.RequestRemoteStart("REMOTE2"));
        Assert.Equal(SessionStep.StatusPreparing, session.Step);
        AdvanceTo(session, SessionStep.MeterValues);

        Assert.False(session.RequestRemoteStop(41));
        Assert.True(session.RequestRemoteStop(42));
        var stop = (StopTransactionRequest)session.NextCall(Now).Payload;
        Assert.Equal("Remote", stop.Reason);
        Assert.Equal("REMOTE1", stop.IdTag);
    }

    [Fact]
    public void The_plan_derives_meter_values_and_idle_time_from_rates()
    {
        var plan = SessionPlan.From(TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(10), sessionsPerHour: 2);

        Assert.Equal(10, plan.MeterValuesPerSession);
        Assert.Equal(TimeSpan.FromMinutes(20), plan.MeanIdle);
        Assert.False(SessionPlan.From(TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(10), 0).SessionsEnabled);
        Assert.Equal(TimeSpan.MaxValue, NewSession(sessionsPerHour: 0).FirstDelay());
    }

    [Fact]
    public void A_remote_start_accepted_before_the_station_was_ready_runs_at_once_even_without_sessions_of_its_own()
    {
        var session = NewSession(sessionsPerHour: 0);

        Assert.True(session.RequestRemoteStart("REMOTE-1"));
        Assert.Equal(TimeSpan.Zero, session.FirstDelay());
    }

    [Fact]
    public void The_meter_reports_plausible_readings()
    {
        var meter = new MeterSampler(new Random(3));
        meter.BeginSession();
        var before = meter.RegisterWh;

        var reading = meter.Sample(Now, TimeSpan.FromMinutes(60));

        var power = Value(reading, "Power.Active.Import");
        Assert.InRange(power, 0.95 * meter.MaxPowerW * 0.2, 1.05 * meter.MaxPowerW);
        Assert.InRange(meter.RegisterWh - before, 0.2 * meter.MaxPowerW * 0.95, meter.MaxPowerW * 1.05);
        Assert.InRange(Value(reading, "SoC"), 10, 100);
        Assert.Equal(meter.Phases, reading.SampledValue.Count(v => v.Measurand == "Current.Import"));
        Assert.InRange(Value(reading, "Voltage"), 220, 240);
        Assert.All(reading.SampledValue, v => Assert.DoesNotContain(",", v.Value, StringComparison.Ordinal));
    }

    private static ChargingSession NewSession(int meterValuesPerSession = 3, double sessionsPerHour = 1)
    {
        var plan = SessionPlan.From(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60 * meterValuesPerSession), sessionsPerHour);
        var random = new Random(1);
        return new ChargingSession(1, new MeterSampler(random), plan, random);
    }

    private static void AdvanceTo(ChargingSession session, SessionStep step)
    {
        while (session.Step != step)
        {
            session.Advance(true, Answer(session.NextCall(Now)));
        }
    }

    private static object? Answer(OutgoingCall call) => call.Action switch
    {
        OcppActions.Authorize => new AuthorizeResponse(Accepted),
        OcppActions.StartTransaction => new StartTransactionResponse(42, Accepted),
        OcppActions.StopTransaction => new StopTransactionResponse(Accepted),
        _ => null,
    };

    private static double Value(MeterValue reading, string measurand) =>
        double.Parse(reading.SampledValue.First(v => v.Measurand == measurand).Value, System.Globalization.CultureInfo.InvariantCulture);
}
