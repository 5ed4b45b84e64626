using System.Globalization;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>CPU time of processes, read from <c>/proc/&lt;pid&gt;/stat</c> (benchmarks only).</summary>
public static class ProcessCpu
{
    /// <summary>CPU seconds (user + system) one process has used so far.</summary>
    public static double Seconds(int pid) => Seconds(Fields(pid));

    /// <summary>CPU seconds of every process in a process group (the broker's node and its helpers).</summary>
    public static double GroupSeconds(int group)
    {
        var groupText = group.ToString(CultureInfo.InvariantCulture);
        double seconds = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                var fields = Fields(pid);
                if (fields[2] == groupText) seconds += Seconds(fields);
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }

        return seconds;
    }

    /// <summary>The fields after the ")" that ends the command name: pgrp is [2], utime and stime are [11] and [12].</summary>
    private static string[] Fields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    // Clock ticks of 1/100 s.
    private static double Seconds(string[] fields) =>
        (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}
