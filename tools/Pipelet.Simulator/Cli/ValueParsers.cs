using System.Globalization;

namespace Pipelet.Simulator.Cli;

/// <summary>Parsing of the command line's human-friendly values.</summary>
internal static class ValueParsers
{
    /// <summary>
    /// A duration: <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, a plain number of seconds (<c>90</c>,
    /// <c>0.5</c>), or a TimeSpan (<c>00:01:30</c>).
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text.Length == 0) return false;
        if (text.Contains(':', StringComparison.Ordinal)) return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;

        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1.0)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60.0)
            : text.EndsWith('h') || text.EndsWith('H') ? (text[..^1], 3600.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || double.IsInfinity(value * unit))
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * unit);
        return true;
    }

    /// <summary>A rate per second: a non-negative number, or <c>max</c> (unlimited, returned as infinity).</summary>
    public static bool TryParseRate(string text, out double rate)
    {
        text = text.Trim();
        if (text.Equals("max", StringComparison.OrdinalIgnoreCase))
        {
            rate = double.PositiveInfinity;
            return true;
        }

        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out rate) && rate >= 0 && !double.IsInfinity(rate);
    }

    /// <summary>Process ids separated by commas: <c>1234,5678</c>.</summary>
    public static bool TryParsePids(string text, out int[] pids)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        pids = new int[parts.Length];
        for (var index = 0; index < parts.Length; index++)
        {
            if (!int.TryParse(parts[index], NumberStyles.None, CultureInfo.InvariantCulture, out pids[index]) || pids[index] <= 0) return false;
        }

        return parts.Length > 0;
    }
}
