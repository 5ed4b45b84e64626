using System.Net;
using System.Text.Json;
using Pipelet.Simulator.Load;
using Pipelet.Simulator.Ocpp;
using Pipelet.Testing;

namespace Pipelet.Simulator.Tests;

/// <summary>
/// A small fleet against the real gateway process (with real RabbitMQ and PostgreSQL): every CALL is
/// answered without a CALLERROR or a wire deviation, every answer is an event on the broker, and the
/// gateway's command API reaches a simulated station and gets its answer back.
/// </summary>
public sealed class GatewayFleetTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private const int Stations = 20;

    [Fact]
    public async Task A_small_fleet_runs_sessions_against_the_real_gateway_and_every_answer_becomes_an_event()
    {
        await using var events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        await using var gateway = await GatewayProcess.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString);
        var options = new SimulatorOptions
        {
            Url = gateway.OcppUrl(),
            Stations = Stations,
            Ramp = 100,
            Duration = TimeSpan.FromSeconds(10),
            MeterInterval = TimeSpan.FromSeconds(1),
            SessionLength = TimeSpan.FromSeconds(3),
            CallsPerSecond = 200,
            Concurrency = Stations,
            Reconnect = false,
            Progress = false,
        };
        using var stop = new CancellationTokenSource();
        var run = new Fleet(options, TimeProvider.System, TextWriter.Null).RunAsync(stop.Token);

        // While the fleet runs: the gateway lists a station and forwards commands to it.
        var commands = await ExerciseCommandsAsync(gateway, "SIM-00001");

        var report = await run.WaitAsync(TimeSpan.FromSeconds(60));
        var failure = $"report: {JsonSerializer.Serialize(report.Calls)} {JsonSerializer.Serialize(report.ProtocolViolations)}{Environment.NewLine}gateway log:{Environment.NewLine}{gateway.RecentOutput}";
        Assert.True(Stations == report.Connections.Established, failure);
        Assert.True(Stations == report.Connections.BootsAccepted, failure);
        Assert.True(report.Connections.Dropped == 0, failure);
        Assert.True(report.Calls.CallErrors == 0, failure);
        Assert.True(report.Calls.TimedOut == 0 && report.Calls.Lost == 0, failure);
        Assert.True(report.Calls.Sent == report.Calls.Answered, failure);
        Assert.True(report.ProtocolViolations.Count == 0, failure);
        Assert.True(report.Calls.SessionsStopped > 0, failure);
        Assert.Equal(3, report.CsmsCommands.Received);
        Assert.Equal(3, report.CsmsCommands.Answered);
        Assert.Equal("300", commands.HeartbeatInterval);

        // At least once: every answered CALL and every command is an event, plus Connect and Disconnect per station.
        var expected = report.Calls.Answered + report.CsmsCommands.Received + 2 * Stations;
        await events.WaitForAsync(expected, TimeSpan.FromSeconds(30));
        foreach (var action in report.Calls.ByAction)
        {
            Assert.True(events.Count(action.Action) >= action.Answered, $"{action.Action}: {events.Count(action.Action)} events for {action.Answered} answers");
        }

        Assert.Equal(Stations, events.Count("Connect"));
        Assert.Equal(Stations, events.Count("Disconnect"));
        Assert.Equal(1, events.Count(OcppActions.GetConfiguration));
        Assert.Equal(1, events.Count(OcppActions.TriggerMessage));
        Assert.Equal(1, events.Count(OcppActions.ChangeConfiguration));
        Assert.Equal(Stations, events.StationCount);
    }

    private sealed record CommandOutcome(string HeartbeatInterval);

    private static async Task<CommandOutcome> ExerciseCommandsAsync(ServiceProcess gateway, string stationId)
    {
        // Wait (bounded) until the gateway holds the station.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var station = await gateway.Http.GetAsync($"api/v1/stations/{stationId}");
            if (station.StatusCode == HttpStatusCode.OK) break;
            Assert.True(DateTime.UtcNow < deadline, $"{stationId} never appeared in the gateway's station list:{Environment.NewLine}{gateway.RecentOutput}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        var configuration = await CommandAsync(gateway, stationId, "GetConfiguration", """{"key":["HeartbeatInterval"]}""");
        var interval = configuration.GetProperty("configurationKey")[0].GetProperty("value").GetString()!;

        var change = await CommandAsync(gateway, stationId, "ChangeConfiguration", """{"key":"MeterValueSampleInterval","value":"30"}""");
        Assert.Equal("Accepted", change.GetProperty("status").GetString());

        var trigger = await CommandAsync(gateway, stationId, "TriggerMessage", """{"requestedMessage":"StatusNotification","connectorId":1}""");
        Assert.Equal("Accepted", trigger.GetProperty("status").GetString());
        return new CommandOutcome(interval);
    }

    private static async Task<JsonElement> CommandAsync(ServiceProcess gateway, string stationId, string action, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await gateway.Http.PostAsync($"api/v1/stations/{stationId}/commands/{action}", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("response").Clone();
    }
}
