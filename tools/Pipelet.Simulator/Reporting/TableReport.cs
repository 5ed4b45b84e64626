using System.Globalization;

namespace Pipelet.Simulator.Reporting;

/// <summary>The report as a few aligned tables for a terminal.</summary>
internal static class TableReport
{
    public static void Write(FleetReport report, TextWriter output)
    {
        var s = report.Settings;
        output.WriteLine($"Pipelet station simulator: {s.Stations} stations -> {s.Url}");
        output.WriteLine($"  ramp {s.RampPerSecond}/s, duration {s.DurationS}s, calls/s {s.CallsPerSecond}, concurrency {s.Concurrency}, " +
                         $"heartbeat {(s.HeartbeatS is { } h ? h + "s" : "from gateway")}, meter interval {s.MeterIntervalS}s, {s.ProcessorCount} cores");
        output.WriteLine();

        var c = report.Connections;
        Section(output, "Connections");
        Row(output, "established / attempted", $"{c.Established} / {c.Attempted}");
        Row(output, "held: peak / at end", $"{c.PeakHeld} / {c.HeldAtEnd}");
        Row(output, "all ready after", c.AllReadyAfterS is { } ready ? $"{ready:F1} s" : "never");
        Row(output, "boots accepted", c.BootsAccepted.ToString(CultureInfo.InvariantCulture));
        Row(output, "failed", Counts(c.Failed, c.FailuresByReason));
        Row(output, "dropped by gateway", Counts(c.Dropped, c.DropsByReason));
        Row(output, "reconnects", c.Reconnects.ToString(CultureInfo.InvariantCulture));
        output.WriteLine();

        var k = report.Calls;
        Section(output, "Calls (station -> gateway)");
        Row(output, "sent / answered", $"{k.Sent} / {k.Answered}");
        Row(output, "CALLERRORs", Counts(k.CallErrors, k.CallErrorsByCode));
        Row(output, "timed out / lost / unmatched", $"{k.TimedOut} / {k.Lost} / {k.UnmatchedAnswers}");
        Row(output, "pacer turns missed", k.PacerMissedTurns.ToString(CultureInfo.InvariantCulture));
        Row(output, "sessions started / stopped", $"{k.SessionsStarted} / {k.SessionsStopped}");
        output.WriteLine();
        output.WriteLine($"  {"action",-30} {"sent",10} {"answered",10} {"errors",8} {"timeout",8} {"p50 ms",9} {"p99 ms",9} {"max ms",9}");
        foreach (var a in k.ByAction)
        {
            output.WriteLine($"  {a.Action,-30} {a.Sent,10} {a.Answered,10} {a.CallErrors,8} {a.TimedOut,8} {a.P50Ms,9:F2} {a.P99Ms,9:F2} {a.MaxMs,9:F2}");
        }

        output.WriteLine();
        Section(output, "Answer latency (ms)");
        output.WriteLine($"  {"window",-12} {"count",10} {"mean",9} {"p50",9} {"p90",9} {"p99",9} {"p99.9",9} {"max",9}");
        Latency(output, "whole run", report.Latency);
        Latency(output, "steady", report.SteadyLatency);
        output.WriteLine();

        var t = report.Throughput;
        Section(output, $"Throughput, steady window {t.SteadyFromS:F0}-{t.SteadyToS:F0} s");
        Row(output, "answered/s mean (min-max)", $"{t.AnsweredPerSecondMean:F0} ({t.AnsweredPerSecondMin}-{t.AnsweredPerSecondMax})");
        Row(output, "sent/s mean", t.SentPerSecondMean.ToString("F0", CultureInfo.InvariantCulture));
        output.WriteLine();

        var m = report.CsmsCommands;
        Section(output, "CSMS commands answered by stations");
        Row(output, "received / answered / CALLERROR", $"{m.Received} / {m.Answered} / {m.CallErrors}");
        if (m.ByAction.Count > 0) Row(output, "by action", string.Join(", ", m.ByAction.Select(p => $"{p.Key} {p.Value}")));
        output.WriteLine();

        if (report.Processes.Count > 0)
        {
            Section(output, "Processes");
            output.WriteLine($"  {"pid",-8} {"name",-16} {"RSS idle MB",12} {"RSS end MB",11} {"peak MB",9} {"B/conn",9} {"CPU % steady",13}");
            foreach (var p in report.Processes)
            {
                output.WriteLine($"  {p.Pid,-8} {p.Name,-16} {Mb(p.RssIdleKb),12} {Mb(p.RssEndKb),11} {Mb(p.RssPeakKb),9} " +
                                 $"{(p.RssPerConnectionBytes is { } b ? b.ToString("F0", CultureInfo.InvariantCulture) : "-"),9} " +
                                 $"{(p.CpuPercentSteady is { } cpu ? cpu.ToString("F0", CultureInfo.InvariantCulture) : "-"),13}");
            }

            output.WriteLine();
        }

        if (report.ProtocolViolations.Count > 0)
        {
            Section(output, "Wire deviations seen from the gateway");
            foreach (var (kind, count) in report.ProtocolViolations) Row(output, kind, count.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static void Section(TextWriter output, string title) => output.WriteLine(title);

    private static void Row(TextWriter output, string name, string value) => output.WriteLine($"  {name,-34} {value}");

    private static void Latency(TextWriter output, string window, LatencyReport l) =>
        output.WriteLine($"  {window,-12} {l.Count,10} {l.MeanMs,9:F2} {l.P50Ms,9:F2} {l.P90Ms,9:F2} {l.P99Ms,9:F2} {l.P999Ms,9:F2} {l.MaxMs,9:F2}");

    private static string Counts(long total, IReadOnlyDictionary<string, long> byKind) =>
        byKind.Count == 0 ? total.ToString(CultureInfo.InvariantCulture) : $"{total} ({string.Join(", ", byKind.Select(p => $"{p.Key}: {p.Value}"))})";

    private static string Mb(long? kilobytes) => kilobytes is { } kb ? (kb / 1024.0).ToString("F1", CultureInfo.InvariantCulture) : "-";
}
