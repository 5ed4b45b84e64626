using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Pipelet.AppHost.Tests.Deploy;
using Pipelet.Testing;
using Xunit.Abstractions;

namespace Pipelet.AppHost.Tests.WholeSystem;

/// <summary>
/// Pipelet makes no outbound calls but to webhooks: the AppHost, started as a user starts it (its build output, local
/// servers, the dashboard), runs a station session under <c>strace -f -e trace=connect</c>, and every connect() of
/// every process it starts goes to a loopback address or a Unix socket. strace sees the attempt itself, so a call that
/// fails offline (a telemetry host, a DNS server asked for one) is caught as well as one that succeeds.
/// </summary>
[Collection(nameof(ServiceDefaults.TelemetryExportTests))]
public sealed partial class NoCallsHomeTests(ITestOutputHelper output)
{
    private const string BootstrapKey = "hcpms_live_nocallshometestkey0123456789";

    [Fact]
    public async Task A_normal_run_connects_to_nothing_but_loopback_addresses_and_unix_sockets()
    {
        const string strace = "/usr/bin/strace";
        Assert.True(File.Exists(strace), "strace is missing: apt-get install -y strace (.ci/run installs it)");
        var run = TestRun.New();
        var (data, apiPort, ocppPort, consolePort, dashboardPort, otlpPort) = (run.Data, run.ApiPort, run.OcppPort, run.ConsolePort, run.DashboardPort, run.OtlpPort);
        var trace = Path.Combine(data.FullName, "connect.trace");

        // Only connect() (and execve() and clone(), to name the program) stops the traced processes: the run keeps its pace.
        var start = new ProcessStartInfo(strace)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-f", "--seccomp-bpf", "-qq", "-e", "trace=connect,execve,clone,clone3,fork,vfork", "-e", "signal=none", "-s", "200", "-o", trace, "dotnet", Repository.AppHostAssembly()])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[TestRun.MarkVariable] = run.Mark;
        start.Environment["AppHost__ApiPort"] = apiPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["AppHost__OcppPort"] = ocppPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["AppHost__ConsolePort"] = consolePort.ToString(CultureInfo.InvariantCulture);
        start.Environment["AppHost__DataDirectory"] = data.FullName;
        start.Environment["AppHost__Infrastructure"] = "local";
        start.Environment["Api__BootstrapKey"] = BootstrapKey;
        // What the AppHost's launch profile sets for `dotnet run`, on ports of our own.
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{dashboardPort}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{otlpPort}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";

        using var tracer = Process.Start(start)!;
        var allUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        tracer.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            log.Enqueue(e.Data);
            if (e.Data.Contains("All resources are up", StringComparison.Ordinal)) allUp.TrySetResult();
        };
        tracer.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        tracer.BeginOutputReadLine();
        tracer.BeginErrorReadLine();
        var passed = false;
        try
        {
            var exited = tracer.WaitForExitAsync();
            if (await Task.WhenAny(allUp.Task, exited, Task.Delay(TimeSpan.FromMinutes(4))) != allUp.Task)
            {
                throw new Xunit.Sdk.XunitException("The AppHost did not report all resources up:\n" + string.Join('\n', log.TakeLast(40)));
            }

            await StationSession.DeliverAHeartbeatAsync(apiPort, ocppPort, BootstrapKey, "CP-OFFLINE");

            // Stopped as a service manager stops it (Ctrl+C takes the same path): SIGTERM to the AppHost, which stops
            // everything it started. Not SIGINT: a process started from a script's background job may ignore it.
            var appHost = ProcessTree.Snapshot().Single(p => p.ParentPid == tracer.Id);
            using (var terminate = Process.Start("kill", ["-TERM", appHost.Pid.ToString(CultureInfo.InvariantCulture)])) await terminate.WaitForExitAsync();
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await tracer.WaitForExitAsync(stopping.Token);
            passed = true;
        }
        finally
        {
            if (!tracer.HasExited) tracer.Kill(entireProcessTree: true);
            var left = await ProcessTree.SweepAsync(TestRun.MarkVariable, run.Mark, TimeSpan.FromSeconds(passed ? 30 : 5));
            Assert.True(left.Count == 0 || !passed, "processes left after the stop: " + string.Join('\n', left.Select(p => $"{p.Pid}: {p.CommandLine}")));
        }

        var calls = Connects(File.ReadAllLines(trace)).ToList();
        output.WriteLine($"{calls.Count} connect() calls traced; by program: " + string.Join(", ", calls.GroupBy(c => c.Program).Select(g => $"{g.Key} {g.Count()}")));
        Assert.Contains(calls, c => c.Address is { } address && IPAddress.IsLoopback(address)); // the trace did see the run
        var outbound = calls.Where(c => !c.IsLocal).ToList();
        Assert.True(outbound.Count == 0, "connect() to a non-local address:\n" + string.Join('\n', outbound.Select(c => $"{c.Program}: {c.Line}")));
        WorkFolders.TryDelete(data.FullName);
    }

    private sealed record Connect(string Program, string Line, string Family, IPAddress? Address)
    {
        /// <summary>A Unix or netlink socket, a UDP socket's disconnect (AF_UNSPEC), or a loopback address.</summary>
        public bool IsLocal => Family is "AF_UNIX" or "AF_UNSPEC" or "AF_NETLINK"
            || (Address is not null && (IPAddress.IsLoopback(Address) || (Address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(Address.MapToIPv4()))));
    }

    /// <summary>The connect() calls of a <c>strace -f</c> output, each with the program its process ran last.</summary>
    private static IEnumerable<Connect> Connects(IEnumerable<string> lines)
    {
        var programs = new Dictionary<string, string>();
        foreach (var line in lines)
        {
            if (Spawn().Match(line) is { Success: true } spawn)
            {
                // A thread or child runs its parent's program until it runs one of its own (which strace may print
                // before the parent's clone() returns).
                if (programs.TryGetValue(spawn.Groups["pid"].Value, out var parent)) programs.TryAdd(spawn.Groups["child"].Value, parent);
                continue;
            }

            var call = Call().Match(line);
            if (!call.Success) continue;
            var pid = call.Groups["pid"].Value;
            if (call.Groups["name"].Value == "execve")
            {
                programs[pid] = Path.GetFileName(Execve().Match(line).Groups["path"].Value);
                continue;
            }

            var family = Family().Match(line).Groups["family"].Value;
            var address = Inet().Match(line) is { Success: true } inet ? IPAddress.Parse(inet.Groups["address"].Value) : null;
            yield return new Connect(programs.GetValueOrDefault(pid, "pid " + pid), line, family, address);
        }
    }

    [GeneratedRegex(@"^(?<pid>\d+)\s+(?<name>connect|execve)\(")]
    private static partial Regex Call();

    [GeneratedRegex(@"^(?<pid>\d+)\s+(?:<\.\.\. )?(?:clone3?|v?fork)\b.*= (?<child>\d+)$")]
    private static partial Regex Spawn();

    [GeneratedRegex("^\\d+\\s+execve\\(\"(?<path>[^\"]*)\"")]
    private static partial Regex Execve();

    [GeneratedRegex(@"sa_family=(?<family>AF_[A-Z0-9]+)")]
    private static partial Regex Family();

    [GeneratedRegex("inet_addr\\(\"(?<address>[0-9.]+)\"\\)|inet_pton\\(AF_INET6, \"(?<address>[0-9a-fA-F:.]+)\"")]
    private static partial Regex Inet();
}
