using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Pipelet.Simulator.Load;
using Pipelet.Simulator.Reporting;

namespace Pipelet.Simulator.Cli;

/// <summary>The command line: options, their defaults and checks, and the run they start.</summary>
internal static class SimulatorCommand
{
    public static RootCommand Create()
    {
        var defaults = new SimulatorOptions();
        var url = new Option<Uri>("--url")
        {
            Description = "The gateway's OCPP endpoint; stations connect to <url>/<percent-encoded id>.",
            DefaultValueFactory = _ => defaults.Url,
            CustomParser = result => Uri.TryCreate(Single(result), UriKind.Absolute, out var uri) ? uri : Error<Uri>(result, "an absolute ws:// URL"),
        };
        var stations = new Option<int>("--stations", "-n") { Description = "Number of stations.", DefaultValueFactory = _ => defaults.Stations };
        var first = new Option<int>("--first") { Description = "Number of the first station (ids are <prefix><5 digits>).", DefaultValueFactory = _ => defaults.FirstStation };
        var prefix = new Option<string>("--id-prefix") { Description = "Station id prefix.", DefaultValueFactory = _ => defaults.IdPrefix };
        var ramp = new Option<double>("--ramp") { Description = "New connections per second while the fleet comes up.", DefaultValueFactory = _ => defaults.Ramp };
        var duration = Duration("--duration", "Length of the run from the first connection, ramp included (e.g. 90s, 5m).", defaults.Duration);
        var heartbeat = new Option<TimeSpan?>("--heartbeat")
        {
            Description = "Heartbeat interval (default: the interval the gateway returns in BootNotification.conf).",
            CustomParser = result => ParseDuration(result),
        };
        var meterInterval = Duration("--meter-interval", "MeterValues interval during a session.", defaults.MeterInterval);
        var sessionLength = Duration("--session-length", "Length of a charging session (MeterValues per session = length / interval).", defaults.SessionLength);
        var sessionsPerHour = new Option<double>("--sessions-per-hour") { Description = "Sessions per station per hour on the stations' own clocks (0: none).", DefaultValueFactory = _ => defaults.SessionsPerHour };
        var rate = new Option<double>("--calls-per-second")
        {
            Description = "0: stations follow their own clocks. N: pace session CALLs to N per second in total. max: as fast as --concurrency allows.",
            DefaultValueFactory = _ => 0,
            CustomParser = result => ValueParsers.TryParseRate(Single(result), out var value) ? value : Error<double>(result, "a rate per second or max"),
        };
        var concurrency = new Option<int>("--concurrency") { Description = "Session CALLs in flight at most across the fleet when pacing.", DefaultValueFactory = _ => defaults.Concurrency };
        var password = new Option<string?>("--password") { Description = "Security profile 1: HTTP Basic password of every station (username = station id)." };
        var report = new Option<ReportFormat>("--report") { Description = "Report format on standard output.", DefaultValueFactory = _ => ReportFormat.Table };
        var callTimeout = Duration("--call-timeout", "How long a CALL waits for its answer.", defaults.CallTimeout);
        var observe = new Option<int[]>("--observe-pid")
        {
            Description = "Comma-separated pids (e.g. the gateway) whose memory and CPU to report; memory per connection is computed from the first.",
            DefaultValueFactory = _ => [],
            CustomParser = result => ValueParsers.TryParsePids(Single(result), out var pids) ? pids : Error<int[]>(result, "comma-separated process ids"),
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the stations' random choices.", DefaultValueFactory = _ => defaults.Seed };
        var noReconnect = new Option<bool>("--no-reconnect") { Description = "Do not reconnect stations whose connection drops." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress lines on standard error." };

        var command = new RootCommand(
            "Pipelet station simulator: a fleet of OCPP 1.6J charge stations that connect, boot, heartbeat, run charging " +
            "sessions and answer CSMS commands, and a report of connections, answers, CALLERRORs, latency and throughput.")
        {
            url, stations, first, prefix, ramp, duration, heartbeat, meterInterval, sessionLength, sessionsPerHour,
            rate, concurrency, password, report, callTimeout, observe, seed, noReconnect, quiet,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new SimulatorOptions
            {
                Url = parse.GetValue(url)!,
                Stations = parse.GetValue(stations),
                FirstStation = parse.GetValue(first),
                IdPrefix = parse.GetValue(prefix)!,
                Ramp = parse.GetValue(ramp),
                Duration = parse.GetValue(duration),
                Heartbeat = parse.GetValue(heartbeat),
                MeterInterval = parse.GetValue(meterInterval),
                SessionLength = parse.GetValue(sessionLength),
                SessionsPerHour = parse.GetValue(sessionsPerHour),
                CallsPerSecond = parse.GetValue(rate),
                Concurrency = parse.GetValue(concurrency),
                Password = parse.GetValue(password),
                Report = parse.GetValue(report),
                CallTimeout = parse.GetValue(callTimeout),
                ObservePids = parse.GetValue(observe) ?? [],
                Seed = parse.GetValue(seed),
                Reconnect = !parse.GetValue(noReconnect),
                Progress = !parse.GetValue(quiet),
            };
            return await RunAsync(options, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(SimulatorOptions options, CancellationToken cancellationToken)
    {
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            problems.ForEach(Console.Error.WriteLine);
            return 2;
        }

        var fleet = new Fleet(options, TimeProvider.System, Console.Error);
        FleetReport result;
        try
        {
            result = await fleet.RunAsync(cancellationToken);
            if (options.Report == ReportFormat.Json) Console.Out.WriteLine(JsonSerializer.Serialize(result, ReportJsonContext.Default.FleetReport));
            else TableReport.Write(result, Console.Out);
            Console.Out.Flush();
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"simulator failed: {exception}");
            return 3;
        }

        // Non-zero when the fleet never came up at all, so scripts notice an unreachable gateway.
        return result.Connections.Established == 0 ? 1 : 0;
    }

    private static Option<TimeSpan> Duration(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseDuration(result) ?? defaultValue,
    };

    private static TimeSpan? ParseDuration(ArgumentResult result) =>
        ValueParsers.TryParseDuration(Single(result), out var value) ? value : Error<TimeSpan?>(result, "a duration such as 30s, 5m, 250ms or 00:01:30");

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";

    private static T? Error<T>(ArgumentResult result, string expected)
    {
        result.AddError($"{result.Argument.Name}: expected {expected}, got '{Single(result)}'.");
        return default;
    }
}
