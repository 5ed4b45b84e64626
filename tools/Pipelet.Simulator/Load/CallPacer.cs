namespace Pipelet.Simulator.Load;

/// <summary>
/// Hands out turns to send a CALL at a target total rate, shared by many workers. A turn that comes
/// more than <see cref="MaxLag"/> late (every worker was busy waiting for answers) is dropped and
/// counted as missed, so a slow target does not get a catch-up burst afterwards.
/// </summary>
internal sealed class CallPacer(RateSchedule schedule, TimeProvider time)
{
    public static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(1);

    private readonly long _start = time.GetTimestamp();
    private long _nextTurn;
    private long _missed;

    public long Missed => Interlocked.Read(ref _missed);

    public RateSchedule Schedule => schedule;

    /// <summary>Waits for the next free turn. Returns at once when the rate is unlimited.</summary>
    public async ValueTask WaitTurnAsync(CancellationToken cancellationToken)
    {
        if (schedule.Unlimited) return;

        var turn = TakeTurn(time.GetElapsedTime(_start));
        var wait = schedule.DueAt(turn) - time.GetElapsedTime(_start);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken);
    }

    /// <summary>Claims the next turn, first skipping (and counting) turns already too late at <paramref name="elapsed"/>.</summary>
    internal long TakeTurn(TimeSpan elapsed)
    {
        while (true)
        {
            var turn = Interlocked.Read(ref _nextTurn);
            var next = turn;
            var onTime = schedule.DueBy(elapsed - MaxLag);
            if (next < onTime) next = onTime;
            if (Interlocked.CompareExchange(ref _nextTurn, next + 1, turn) != turn) continue;
            if (next > turn) Interlocked.Add(ref _missed, next - turn);
            return next;
        }
    }
}
