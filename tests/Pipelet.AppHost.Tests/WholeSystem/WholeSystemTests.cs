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
        var run = Guid.NewGuid().ToString("N");
        var data = WorkFolders.Create("pipelet-apphost-test-");
        var (apiPort, ocppPort, consolePort, dashboardPort, otlpPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
        var dashboardKey = Guid.NewGuid().ToString("N");
        // The bootstrap key comes through the environment, as a user gives it: every executable inherits the
        // AppHost's environment, and only the subscription service may see it.
        Environment.SetEnvironmentVariable("Api__BootstrapKey", BootstrapKey);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Pipelet_AppHost>(
            [
                $"AppHost:ApiPort={apiPort}", $"AppHost:OcppPort={ocppPort}", $"AppHost:ConsolePort={consolePort}", $"AppHost:DataDirectory={data.FullName}",
                "AppHost:Infrastructure=local", $"AppHost:DashboardApiKey={dashboardKey}",
                // The dashboard and its OTLP endpoint on ports of our own, as given (the testing builder would move them).
                $"ASPNETCORE_URLS=http://127.0.0.1:{dashboardPort}", $"ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{otlpPort}",
                "DcpPublisher:RandomizePorts=false",
            ],
            (options, _) =>
            {
                options.DisableDashboard = false;
                options.AllowUnsecuredTransport = true;
            });
        Environment.SetEnvironmentVariable("Api__BootstrapKey", null);
        // A mark in every process the AppHost starts, to find what is left after the stop.
        foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>())
        {
            resource.Annotations.Add(new EnvironmentCallbackAnnotation(context => context.EnvironmentVariables["PIPELET_TEST_RUN"] = run));
        }

        var stopwatch = Stopwatch.StartNew();
        var app = await builder.BuildAsync();
        var passed = false;
        try
        {
            using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            await app.StartAsync(startup.Token);
            foreach (var name in new[] { "rabbitmq", "postgres", "gatewaydb", "subscriptionsdb", "dispatcherdb", "subscriptions", "dispatcher", "gateway", "console" })
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(name, startup.Token);
            }

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
            Assert.Equal(BootstrapKey, EnvironmentOfService("subscriptions", run).GetValueOrDefault("Api__BootstrapKey"));
            Assert.Equal("", EnvironmentOfService("gateway", run).GetValueOrDefault("Api__BootstrapKey", ""));
            Assert.Equal("", EnvironmentOfService("dispatcher", run).GetValueOrDefault("Api__BootstrapKey", ""));
            passed = true;
        }
        finally
        {
            await StopAndSweepAsync(app, run, stopwatch, reportLeftovers: passed);
            WorkFolders.TryDelete(data.FullName);
        }
    }

    /// <summary>
    /// Stops the AppHost and waits for every process it started (marked with <paramref name="run"/>) to go. Whatever
    /// is still there at the deadline is killed, so that a failing run leaves no epmd or server behind either; after
    /// a passing run, anything left fails the test.
    /// </summary>
    private async Task StopAndSweepAsync(Aspire.Hosting.DistributedApplication app, string run, Stopwatch stopwatch, bool reportLeftovers)
    {
        stopwatch.Restart();
        try
        {
            await app.StopAsync();
            await app.DisposeAsync();
            output.WriteLine($"Stopped in {stopwatch.Elapsed.TotalSeconds:0.0} s");
        }
        catch (Exception ex) when (!reportLeftovers)
        {
            output.WriteLine($"Stopping after a failure failed too: {ex}");
        }

        // Aspire's orchestrator stops what it started a moment after the AppHost: wait for that, then nothing may be left.
        var left = await ProcessTree.SweepAsync("PIPELET_TEST_RUN", run, TimeSpan.FromSeconds(60));
        if (left.Count == 0)
        {
            output.WriteLine($"No process left {stopwatch.Elapsed.TotalSeconds:0.0} s after the stop began");
            return;
        }

        var description = string.Join('\n', left.Select(p => $"{p.Pid}: {p.CommandLine}"));
        output.WriteLine($"Killed what the stop left:\n{description}");
        if (reportLeftovers) throw new Xunit.Sdk.XunitException("Within 60 s of the stop, processes left: " + description);
    }

    private static IReadOnlyDictionary<string, string> EnvironmentOfService(string service, string run) =>
        ProcessTree.WithVariable("PIPELET_TEST_RUN", run)
            .Select(p => ProcessTree.TryEnvironmentOf(p.Pid))
            .FirstOrDefault(e => e?.GetValueOrDefault("OTEL_SERVICE_NAME") == service && e.ContainsKey("ASPNETCORE_URLS"))
        ?? throw new Xunit.Sdk.XunitException($"No process of {service} found.");
}
