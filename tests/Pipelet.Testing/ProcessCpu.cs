using System.Globalization;

namespace Pipelet.Testing;

/// <summary>CPU time (and resident memory) of processes (<c>/proc/&lt;pid&gt;/stat</c>) and CPU time of the whole machine (<c>/proc/stat</c>), for benchmarks only.</summary>
public static class ProcessCpu
{
    /// <summary>CPU seconds (user + system) one process has used so far.</summary>
    public static double Seconds(int pid) => Seconds(Fields(pid));

    /// <summary>
    /// CPU seconds of a process and every process below it: the broker's node and its helpers, or PostgreSQL's
    /// server and its backends (which each start a session of their own, so a process group would miss them).
    /// </summary>
    public static double TreeSeconds(int root) => Tree(root).Sum(pid => Read(pid, Seconds));

    /// <summary>Resident memory (VmRSS) of a process and every process below it, in MB: what RabbitMQ's memory alarm goes by.</summary>
    public static double TreeResidentMegabytes(int root) => Tree(root).Sum(pid => Read(pid, _ => ResidentKilobytes(pid))) / 1024.0;

    /// <summary>The process and every process below it.</summary>
    private static HashSet<int> Tree(int root)
    {
        var processes = new List<(int Pid, int Parent)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                processes.Add((pid, int.Parse(Fields(pid)[1], CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }

        var inTree = new HashSet<int> { root };
        // Parents are listed before most children, but not always (pids wrap): repeat until nothing is added.
        for (var added = true; added;)
        {
            added = false;
            foreach (var (pid, parent) in processes)
            {
                if (inTree.Contains(parent) && inTree.Add(pid)) added = true;
            }
        }

        return inTree;
    }

    /// <summary>A reading of one process; 0 if it ended meanwhile.</summary>
    private static double Read(int pid, Func<string[], double> reading)
    {
        try
        {
            return reading(Fields(pid));
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static double ResidentKilobytes(int pid) =>
        File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) is { } line
            ? double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)
            : 0;

    /// <summary>Busy, stolen and total jiffies of all CPUs since boot (the first line of /proc/stat: idle, iowait and steal are not busy).</summary>
    public static (double Busy, double Steal, double IoWait, double Total) Machine()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum();
        return (total - fields[3] - fields[4] - fields[7], fields[7], fields[4], total);
    }

    /// <summary>The fields after the ")" that ends the command name: ppid is [1], utime and stime are [11] and [12].</summary>
    private static string[] Fields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    // Clock ticks of 1/100 s.
    private static double Seconds(string[] fields) =>
        (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}
