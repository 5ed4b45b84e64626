using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Pipelet.AppHost.Hosting;
using Pipelet.Testing;
using Xunit.Abstractions;

namespace Pipelet.AppHost.Tests.Hosting;

/// <summary>
/// The AppHost as a user runs it: a cold start on a fresh data folder and free public ports, every
/// service healthy, the configuration contract in each service's environment, a killed service
/// restarted, then SIGTERM, after which none of the processes it started may survive.
/// </summary>
public sealed partial class AppHostRunTests(ITestOutputHelper output)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Starts_everything_healthy_and_leaves_no_process_behind_after_SIGTERM()
    {
        var data = WorkFolders.Create("pipelet-apphost-test-");
        var apiPort = FreePort.Next();
        var ocppPort = FreePort.Next();
        while (ocppPort == apiPort) ocppPort = FreePort.Next();
        var log = new OutputLog();
        var environment = new Dictionary<string, string?>
        {
            ["AppHost__ApiPort"] = apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AppHost__OcppPort"] = ocppPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AppHost__DataDirectory"] = data.FullName,
            // Private servers, whatever the machine running the tests has configured.
            ["ConnectionStrings__rabbitmq"] = null,
            ["ConnectionStrings__postgres"] = null,
            ["NO_COLOR"] = "1",
        };

        var appHost = ChildProcess.Start(
            "apphost",
            DotNetHost.Path,
            [AppHostAssemblyPath(), "--Delivery:RetrySchedule=30s,1m,5m,30m,2h,6h,24h"],
            environment,
            output: log.Add);
        IReadOnlyList<ProcessTree.Entry> started = [];
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await log.WaitForAsync("All resources are up", appHost.Exited, TimeSpan.FromMinutes(4));
            output.WriteLine($"Cold start: {stopwatch.Elapsed.TotalSeconds:0.0} s");
            started = ProcessTree.Descendants(appHost.Id);

            var gateway = ServiceEnvironment(started, "Pipelet.Gateway.dll");
            var subscriptions = ServiceEnvironment(started, "Pipelet.Subscriptions.dll");
            var dispatcher = ServiceEnvironment(started, "Pipelet.Dispatcher.dll");
            var dispatcherUrl = log.FirstMatch(DispatcherRow()) ?? throw new Xunit.Sdk.XunitException("No dispatcher row:\n" + log.Tail(40));

            await AssertHealthyAsync($"http://localhost:{apiPort}/health");
            await AssertHealthyAsync($"http://localhost:{ocppPort}/health");
            var internalUrl = gateway["services__subscriptions__internal__0"];
            await AssertHealthyAsync($"{internalUrl}/health");
            await AssertHealthyAsync($"{dispatcherUrl}/health");

            Assert.Equal($"http://localhost:{ocppPort}", gateway["ASPNETCORE_URLS"]);
            Assert.StartsWith("amqp://", gateway["ConnectionStrings__rabbitmq"], StringComparison.Ordinal);
            Assert.Contains("Database=gatewaydb", gateway["ConnectionStrings__gatewaydb"], StringComparison.Ordinal);
            Assert.Equal($"http://localhost:{subscriptions["Api__InternalPort"]}", internalUrl);
            Assert.Equal("gateway", gateway["OTEL_SERVICE_NAME"]);
            Assert.Equal("Development", gateway["ASPNETCORE_ENVIRONMENT"]);

            var internalPort = subscriptions["Api__InternalPort"];
            Assert.Equal($"http://localhost:{apiPort};http://localhost:{internalPort}", subscriptions["ASPNETCORE_URLS"]);
            Assert.Contains("Database=subscriptionsdb", subscriptions["ConnectionStrings__subscriptionsdb"], StringComparison.Ordinal);
            Assert.Equal($"http://localhost:{ocppPort}", subscriptions["services__gateway__http__0"]);
            Assert.Equal(dispatcherUrl, subscriptions["services__dispatcher__http__0"]);
            Assert.Equal("true", subscriptions["Delivery__AllowPrivateNetworks"]);
            Assert.Equal(32, Convert.FromBase64String(subscriptions["Webhooks__EncryptionKey"]).Length);

            Assert.Equal(dispatcherUrl, dispatcher["ASPNETCORE_URLS"]);
            Assert.Contains("Database=dispatcherdb", dispatcher["ConnectionStrings__dispatcherdb"], StringComparison.Ordinal);
            Assert.Equal(internalUrl, dispatcher["services__subscriptions__internal__0"]);
            Assert.Equal("30s,1m,5m,30m,2h,6h,24h", dispatcher["Delivery__RetrySchedule"]);
            Assert.Equal("true", dispatcher["Delivery__AllowPrivateNetworks"]);

            // A service that dies is reported and started again, on the same port.
            var gatewayProcess = started.Single(p => IsService(p, "Pipelet.Gateway.dll"));
            Assert.Equal(0, Kill(gatewayProcess.Pid, 9));
            await log.WaitForAsync("gateway exited with code", appHost.Exited, TimeSpan.FromMinutes(1));
            await log.WaitForAsync("gateway is healthy again", appHost.Exited, TimeSpan.FromMinutes(2));
            await AssertHealthyAsync($"http://localhost:{ocppPort}/health");
            started = [.. started, .. ProcessTree.Descendants(appHost.Id)];
        }
        finally
        {
            stopwatch.Restart();
            await appHost.StopAsync(TimeSpan.FromSeconds(20)); // SIGTERM; killed only if it hangs
            output.WriteLine($"Stop: {stopwatch.Elapsed.TotalSeconds:0.0} s");
            output.WriteLine(log.Tail(30));
            if (appHost.HasExited) WorkFolders.TryDelete(data.FullName);
        }

        Assert.Contains(log.Lines, l => l.Contains("Stopped in", StringComparison.Ordinal));
        Assert.Equal(0, appHost.ExitCode);
        Assert.NotEmpty(started);
        // Exited processes may take a moment to be reaped; wait for that, then nothing may be left.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10) && started.Any(p => ProcessTree.IsAlive(p.Pid))) await Task.Delay(100);
        Assert.Empty(started.Where(p => ProcessTree.IsAlive(p.Pid)).Select(p => $"{p.Pid}: {p.CommandLine}"));
        Assert.DoesNotContain(started.Select(p => p.ProcessGroupId).Distinct(), ProcessTree.IsGroupAlive);
    }

    private static async Task AssertHealthyAsync(string url)
    {
        using var response = await Http.GetAsync(new Uri(url));
        Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}");
    }

    private static IReadOnlyDictionary<string, string> ServiceEnvironment(IReadOnlyList<ProcessTree.Entry> processes, string assembly)
    {
        var process = processes.FirstOrDefault(p => IsService(p, assembly))
            ?? throw new Xunit.Sdk.XunitException($"No process runs {assembly}.");
        return ProcessTree.EnvironmentOf(process.Pid);
    }

    /// <summary>The service itself, not the guard shell whose command line also names it.</summary>
    private static bool IsService(ProcessTree.Entry process, string assembly) =>
        process.CommandLine.Contains(assembly, StringComparison.Ordinal) && !process.CommandLine.Contains("guard", StringComparison.Ordinal);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    /// <summary>The AppHost's own build output, recorded in its assembly when it was built.</summary>
    private static string AppHostAssemblyPath() =>
        typeof(DistributedApplication).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "AppHostTargetPath").Value!;

    [GeneratedRegex(@"^\|\s*dispatcher\s*\|.*?(http://localhost:\d+)")]
    private static partial Regex DispatcherRow();
}
