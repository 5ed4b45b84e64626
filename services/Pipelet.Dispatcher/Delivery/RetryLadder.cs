using System.Globalization;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// The documented retry schedule: the first try is immediate, after the n-th failed try the next one
/// waits <c>Rungs[n-1]</c>, and when the try after the last rung fails the delivery is dead-lettered.
/// "Max attempts 7" therefore reads as one first try plus seven retries.
/// </summary>
public sealed record RetryLadder
{
    public const string DefaultSchedule = "30s,1m,5m,30m,2h,6h,24h";

    /// <summary>RabbitMQ's x-message-ttl is a 32-bit millisecond count; keep well inside it. (Declared before Default: static initialisation order.)</summary>
    private static readonly TimeSpan MaxRung = TimeSpan.FromDays(7);

    private RetryLadder(IReadOnlyList<TimeSpan> rungs) => Rungs = rungs;

    public static RetryLadder Default { get; } = Parse(DefaultSchedule);

    /// <summary>The waits between tries, in order.</summary>
    public IReadOnlyList<TimeSpan> Rungs { get; }

    /// <summary>When the ladder of a delivery created at <paramref name="createdAt"/> ends: every rung waited in full.</summary>
    public DateTimeOffset EndsFor(DateTimeOffset createdAt) => createdAt + Rungs.Aggregate(TimeSpan.Zero, (sum, rung) => sum + rung);

    /// <summary>Every try a delivery gets: the first one and one per rung.</summary>
    public int MaxAttempts => Rungs.Count + 1;

    /// <summary>How long to wait after <paramref name="failedAttempt"/> (1-based) failed; null means dead-letter.</summary>
    public TimeSpan? DelayAfter(int failedAttempt) =>
        failedAttempt >= 1 && failedAttempt <= Rungs.Count ? Rungs[failedAttempt - 1] : null;

    /// <summary>
    /// The wait after a failed try whose receiver asked (Retry-After) for at least <paramref name="asked"/>: the rung's
    /// own <paramref name="rungWait"/> when that is long enough, else the shortest wait of the ladder that is, and at most
    /// the ladder's longest wait. Only the ladder's waits have a broker queue, so the next try may come later than asked,
    /// never earlier (unless the receiver asked for more than the longest wait).
    /// </summary>
    public TimeSpan WaitAtLeast(TimeSpan rungWait, TimeSpan asked)
    {
        if (asked <= rungWait) return rungWait;
        foreach (var wait in DistinctDelays)
        {
            if (wait >= asked) return wait;
        }

        return Rungs.Max();
    }

    /// <summary>The distinct waits: one broker queue each.</summary>
    public IEnumerable<TimeSpan> DistinctDelays => Rungs.Distinct().Order();

    public bool Equals(RetryLadder? other) => other is not null && Rungs.SequenceEqual(other.Rungs);

    public override int GetHashCode() => Rungs.Aggregate(0, HashCode.Combine);

    public override string ToString() => string.Join(',', Rungs.Select(Format));

    public static RetryLadder Parse(string schedule) =>
        TryParse(schedule, out var ladder, out var error) ? ladder : throw new FormatException(error);

    /// <summary>Parses a comma-separated list like <c>30s,1m,5m,2h,1d</c> (units ms, s, m, h, d).</summary>
    public static bool TryParse(string? schedule, out RetryLadder ladder, out string error)
    {
        ladder = null!;
        if (string.IsNullOrWhiteSpace(schedule))
        {
            error = "The retry schedule is empty; give waits like 30s,1m,5m.";
            return false;
        }

        var rungs = new List<TimeSpan>();
        foreach (var part in schedule.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryParseDuration(part, out var wait))
            {
                error = $"'{part}' is not a wait: use a positive whole number with a unit ms, s, m, h or d (e.g. 30s).";
                return false;
            }

            if (wait > MaxRung)
            {
                error = $"'{part}' is longer than {MaxRung.TotalDays.ToString(CultureInfo.InvariantCulture)} days.";
                return false;
            }

            rungs.Add(wait);
        }

        if (rungs.Count > 50)
        {
            error = "The retry schedule has more than 50 rungs.";
            return false;
        }

        ladder = new RetryLadder(rungs);
        error = "";
        return true;
    }

    private static bool TryParseDuration(string text, out TimeSpan wait)
    {
        wait = default;
        var unitStart = 0;
        while (unitStart < text.Length && char.IsAsciiDigit(text[unitStart])) unitStart++;
        if (unitStart == 0 || unitStart > 9 ||
            !long.TryParse(text.AsSpan(0, unitStart), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return false;
        }

        TimeSpan? parsed = text[unitStart..] switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            "d" => TimeSpan.FromDays(amount),
            _ => null,
        };
        if (parsed is not { } value) return false;
        wait = value;
        return true;
    }

    /// <summary>Shortest exact spelling of a wait: 30s, 1m, 24h, 1500ms.</summary>
    public static string Format(TimeSpan wait) =>
        wait.Ticks % TimeSpan.TicksPerDay == 0 ? $"{wait.Ticks / TimeSpan.TicksPerDay}d"
        : wait.Ticks % TimeSpan.TicksPerHour == 0 ? $"{wait.Ticks / TimeSpan.TicksPerHour}h"
        : wait.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{wait.Ticks / TimeSpan.TicksPerMinute}m"
        : wait.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{wait.Ticks / TimeSpan.TicksPerSecond}s"
        : $"{(long)wait.TotalMilliseconds}ms";
}
