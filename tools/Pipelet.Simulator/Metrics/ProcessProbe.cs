using System.Globalization;

namespace Pipelet.Simulator.Metrics;

/// <summary>
/// Reads a process's resident memory and CPU time from Linux <c>/proc</c>, so a run can report the
/// gateway's memory per connection and CPU use next to its own numbers. Elsewhere it reads nothing.
/// </summary>
internal sealed class ProcessProbe(int processId)
{
    // USER_HZ is 100 on every Linux this runs on.
    private const double ClockTicksPerSecond = 100;

    public int ProcessId { get; } = processId;

    public bool Exists => File.Exists($"/proc/{ProcessId}/status");

    /// <summary>VmRSS in KiB, or null if the process is gone.</summary>
    public long? ResidentKilobytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var digits = line.AsSpan(6).Trim();
                var space = digits.IndexOf(' ');
                return long.Parse(space < 0 ? digits : digits[..space], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>User plus system CPU time, or null if the process is gone.</summary>
    public TimeSpan? CpuTime()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{ProcessId}/stat");
            // The command name may contain spaces: fields are counted after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The process's name as the kernel knows it (for the report).</summary>
    public string Name()
    {
        try
        {
            return File.ReadAllText($"/proc/{ProcessId}/comm").Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
