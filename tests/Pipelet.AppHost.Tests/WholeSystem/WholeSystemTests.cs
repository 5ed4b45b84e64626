using System.Diagnostics;
using System.Globalization;
using Pipelet.LocalServers;
using Pipelet.Testing;
using Xunit.Abstractions;

namespace Pipelet.AppHost.Tests.WholeSystem;

/// <summary>
/// The AppHost as Aspire runs it, through Aspire.Hosting.Testing, on free ports and a fresh data folder with
/// local servers: every resource healthy; a station that connects at once is served and its event delivered to a
/// receiver; the delivery's trace, read from the dashboard's telemetry API, holds the gateway's CALL and the
/// dispatcher's attempt; each service sees only its own settings; after stop no process of ours is left.
/// Not beside <see cref="ServiceDefaults.TelemetryExportTests"/>, whose process-wide listeners would see this test's calls.
/// </summary>
[Collection(nameof(ServiceDefaults.TelemetryExportTests))]
public sealed class WholeSystemTests(ITestOutputHelper output)
{
    private const string BootstrapKey = "hcpms_live_wholesystemtestkey0123456789";

    [Fact]
    public async Task A_station_session_is_delivered_traced_in_the_dashboard_and_nothing_survives_the_stop()
    {
        var run = TestRun.New();
        var (apiPort, ocppPort, dashboardPort, dashboardKey) = (run.ApiPort, run.OcppPort, run.DashboardPort, run.DashboardKey);
        // Every executable inherits the AppHost's environment, and only the subscription service may see the key.
        var builder = await run.CreateBuilderAsync(BootstrapKey);
        var stopwatch = Stopwatch.StartNew();
        var app = await builder.BuildAsync();
        var passed = false;
        try
        {
            await TestRun.StartAsync(app);
            output.WriteLine($"All healthy after {stopwatch.Elapsed.TotalSeconds:0.0} s");

            var traceParent = await StationSession.DeliverAHeartbeatAsync(apiPort, ocppPort, BootstrapKey, "CP-WHOLE");
            Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", traceParent);
            var traceId = traceParent[3..35];

            // The trace as the dashboard holds it: a delivery attempt of the dispatcher, in the same trace as the
            // gateway's CALL span at its root.
            using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}/") };
            dashboard.DefaultRequestHeaders.Add("x-api-key", dashboardKey);
            IReadOnlyList<DashboardSpan> spans = [];
            // The receiver's traceparent names this delivery's trace.
            await StationSession.PollAsync(async () =>
            {
                spans = await DashboardSpan.ReadTraceAsync(dashboard, traceId);
                return spans.Any(s => s.Name == "ocpp Heartbeat") && spans.Any(s => s.Name == "webhook attempt");
            }, TimeSpan.FromSeconds(60), $"the dashboard's trace {traceId} does not hold both the gateway's CALL and a delivery attempt");
            var call = Assert.Single(spans, s => s.Name == "ocpp Heartbeat");
            Assert.Null(call.ParentSpanId);
            Assert.Equal("gateway", call.Service);
            Assert.Equal("dispatcher", Assert.Single(spans, s => s.Name == "webhook attempt").Service);

            // Settings: the bootstrap key reaches the subscription service only.
            Assert.Equal(BootstrapKey, EnvironmentOfService("subscriptions", run.Mark).GetValueOrDefault("Api__BootstrapKey"));
            Assert.Equal("", EnvironmentOfService("gateway", run.Mark).GetValueOrDefault("Api__BootstrapKey", ""));
            Assert.Equal("", EnvironmentOfService("dispatcher", run.Mark).GetValueOrDefault("Api__BootstrapKey", ""));
            passed = true;
        }
        finally
        {
            stopwatch.Restart();
            var left = await run.StopAndSweepAsync(app, TimeSpan.FromSeconds(60), output.WriteLine);
            output.WriteLine($"Stopped, {left.Count} processes left, {stopwatch.Elapsed.TotalSeconds:0.0} s after the stop began");
            WorkFolders.TryDelete(run.Data.FullName);
            // A failing run reports its own failure; the processes it left are killed all the same.
            if (passed) Assert.True(left.Count == 0, "Within 60 s of the stop, processes left: " + string.Join('\n', left.Select(p => $"{p.Pid}: {p.CommandLine}")));
        }
    }

    private static IReadOnlyDictionary<string, string> EnvironmentOfService(string service, string run) =>
        ProcessTree.WithVariable(TestRun.MarkVariable, run)
            .Select(p => ProcessTree.TryEnvironmentOf(p.Pid))
            .FirstOrDefault(e => e?.GetValueOrDefault("OTEL_SERVICE_NAME") == service && e.ContainsKey("ASPNETCORE_URLS"))
        ?? throw new Xunit.Sdk.XunitException($"No process of {service} found.");
}
