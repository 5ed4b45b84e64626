namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>CPU time of processes we did not start as a <see cref="ServiceProcess"/>, read from /proc (benchmarks only).</summary>
public static class ProcessCpu
{
    /// <summary>CPU seconds of every process in a process group (the broker's node and its helpers).</summary>
    public static double GroupSeconds(int group)
    {
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out _)) continue;
            try
            {
                // After the ")" that ends the command name: field 5 (pgrp) is [2], utime and stime are [11] and [12].
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[2] != group.ToString(System.Globalization.CultureInfo.InvariantCulture)) continue;
                ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }

        return ticks / 100.0;
    }
}
