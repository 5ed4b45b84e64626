using System.Globalization;

namespace Pipelet.AppHost.Tests.WholeSystem;

/// <summary>What /proc says about processes.</summary>
internal static class ProcessTree
{
    public sealed record Entry(int Pid, int ParentPid, int ProcessGroupId, char State, string CommandLine);

    public static IReadOnlyList<Entry> Snapshot()
    {
        var entries = new List<Entry>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').Trim();
                entries.Add(new Entry(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture), fields[0][0], commandLine));
            }
            catch (IOException)
            {
                // gone while we looked
            }
        }

        return entries;
    }

    /// <summary>Every process below <paramref name="pid"/>, however deep.</summary>
    public static IReadOnlyList<Entry> Descendants(int pid)
    {
        var all = Snapshot();
        var found = new List<Entry>();
        var parents = new Queue<int>([pid]);
        while (parents.TryDequeue(out var parent))
        {
            foreach (var child in all.Where(e => e.ParentPid == parent))
            {
                found.Add(child);
                parents.Enqueue(child.Pid);
            }
        }

        return found;
    }

    /// <summary>True while the process exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>True while any live process belongs to the process group.</summary>
    public static bool IsGroupAlive(int processGroupId) =>
        Snapshot().Any(e => e.ProcessGroupId == processGroupId && e.State != 'Z');

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for every live process with <paramref name="name"/>=<paramref name="value"/>
    /// in its environment to end; kills those still there and returns them.
    /// </summary>
    public static async Task<IReadOnlyList<Entry>> SweepAsync(string name, string value, TimeSpan timeout)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<Entry> left;
        while ((left = WithVariable(name, value)).Count > 0 && deadline.Elapsed < timeout)
        {
            await Task.Delay(500);
        }

        foreach (var process in left) Kill(process.Pid);
        return left;
    }

    /// <summary>Kills the process if it still runs.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // gone already
        }
    }

    /// <summary>The live processes whose environment has <paramref name="name"/>=<paramref name="value"/>.</summary>
    public static IReadOnlyList<Entry> WithVariable(string name, string value) =>
        [.. Snapshot().Where(e => e.State != 'Z' && TryEnvironmentOf(e.Pid)?.GetValueOrDefault(name) == value)];

    public static IReadOnlyDictionary<string, string>? TryEnvironmentOf(int pid)
    {
        try
        {
            return EnvironmentOf(pid);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static IReadOnlyDictionary<string, string> EnvironmentOf(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0])
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
}
