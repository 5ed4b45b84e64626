using Pipelet.Simulator.Load;
using Pipelet.Simulator.Tests.Infrastructure;

namespace Pipelet.Simulator.Tests;

/// <summary>The simulator end to end against a minimal in-process central system.</summary>
public sealed class FleetTests
{
    [Fact]
    public async Task A_paced_fleet_connects_boots_and_runs_whole_sessions()
    {
        await using var csms = await FakeCentralSystem.StartAsync();
        var options = new SimulatorOptions
        {
            Url = csms.OcppUrl,
            Stations = 3,
            Ramp = 100,
            Duration = TimeSpan.FromSeconds(4),
            MeterInterval = TimeSpan.FromSeconds(1),
            SessionLength = TimeSpan.FromSeconds(2),
            CallsPerSecond = double.PositiveInfinity,
            Concurrency = 3,
            Password = "s3cret:with-colon",
            Progress = false,
        };

        var report = await new Fleet(options, TimeProvider.System, TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.Equal(3, report.Connections.Established);
        Assert.Equal(3, report.Connections.BootsAccepted);
        Assert.Equal(3, report.Connections.HeldAtEnd);
        Assert.Equal(0, report.Connections.Dropped);
        Assert.Equal(report.Calls.Sent, report.Calls.Answered);
        Assert.Equal(0, report.Calls.CallErrors);
        Assert.Equal(0, report.Calls.TimedOut);
        Assert.Empty(report.ProtocolViolations);
        Assert.True(report.Calls.SessionsStopped > 0);
        Assert.Equal(report.Calls.Answered, report.Latency.Count);
        Assert.True(report.Latency.P99Ms >= report.Latency.P50Ms);

        var calls = csms.Calls.ToList();
        Assert.Equal(new[] { "SIM-00001", "SIM-00002", "SIM-00003" }, calls.Select(c => c.StationId).Distinct().Order());
        foreach (var action in new[] { "BootNotification", "StatusNotification", "Authorize", "StartTransaction", "MeterValues", "StopTransaction" })
        {
            Assert.Contains(calls, c => c.Action == action);
        }

        // Security profile 1: username = station id, password as given (it may contain ':').
        Assert.Equal("Basic " + Convert.ToBase64String("SIM-00002:s3cret:with-colon"u8.ToArray()), csms.AuthorizationHeaders["SIM-00002"]);

        // Every StopTransaction closes a transaction the CSMS opened.
        var stop = calls.First(c => c.Action == "StopTransaction").Payload!;
        Assert.True(stop["transactionId"]!.GetValue<int>() > 0);
        Assert.Equal("Local", stop["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stations_answer_csms_commands_and_act_on_them()
    {
        await using var csms = await FakeCentralSystem.StartAsync();
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var triggeredHeartbeat = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var remoteStart = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var armed = false;
        csms.CallReceived += (station, action) =>
        {
            if (station != "SIM-00001") return;
            if (action == "StatusNotification") connected.TrySetResult();
            if (armed && action == "Heartbeat") triggeredHeartbeat.TrySetResult();
            if (action == "StartTransaction") remoteStart.TrySetResult();
        };
        var options = new SimulatorOptions
        {
            Url = csms.OcppUrl,
            Stations = 1,
            Duration = TimeSpan.FromSeconds(60),
            SessionsPerHour = 0, // no sessions of its own: only the remote start below
            Progress = false,
        };
        using var stop = new CancellationTokenSource();
        var run = new Fleet(options, TimeProvider.System, TextWriter.Null).RunAsync(stop.Token);
        try
        {
            await connected.Task.WaitAsync(TimeSpan.FromSeconds(20));

            var configuration = await csms.SendAsync("SIM-00001", "GetConfiguration", """{"key":["HeartbeatInterval"]}""");
            Assert.Equal(3, configuration[0]!.GetValue<int>());
            Assert.Equal("300", configuration[2]!["configurationKey"]![0]!["value"]!.GetValue<string>());

            armed = true;
            var trigger = await csms.SendAsync("SIM-00001", "TriggerMessage", """{"requestedMessage":"Heartbeat"}""");
            Assert.Equal("Accepted", trigger[2]!["status"]!.GetValue<string>());
            await triggeredHeartbeat.Task.WaitAsync(TimeSpan.FromSeconds(10));

            var start = await csms.SendAsync("SIM-00001", "RemoteStartTransaction", """{"idTag":"REMOTE-1","connectorId":1}""");
            Assert.Equal("Accepted", start[2]!["status"]!.GetValue<string>());
            await remoteStart.Task.WaitAsync(TimeSpan.FromSeconds(20));

            var unknown = await csms.SendAsync("SIM-00001", "Teleport", "{}");
            Assert.Equal(4, unknown[0]!.GetValue<int>());
            Assert.Equal("NotImplemented", unknown[2]!.GetValue<string>());
        }
        finally
        {
            await stop.CancelAsync();
        }

        var report = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, report.CsmsCommands.Received);
        Assert.Equal(1, report.CsmsCommands.CallErrors);
        Assert.Equal(1, report.Calls.SessionsStarted);
        Assert.Contains(csms.Calls, c => c.Action == "StartTransaction" && c.Payload!["idTag"]!.GetValue<string>() == "REMOTE-1");
    }

    [Fact]
    public async Task An_unreachable_gateway_is_reported_as_failed_connections()
    {
        var port = Pipelet.LocalServers.FreePort.Next();
        var options = new SimulatorOptions
        {
            Url = new Uri($"ws://127.0.0.1:{port}/ocpp"),
            Stations = 2,
            Duration = TimeSpan.FromSeconds(1),
            Reconnect = false,
            Progress = false,
        };

        var report = await new Fleet(options, TimeProvider.System, TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.Equal(0, report.Connections.Established);
        Assert.Equal(2, report.Connections.Failed);
        Assert.Equal(0, report.Calls.Sent);
    }

}
