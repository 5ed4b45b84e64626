namespace Pipelet.Simulator.Load;

/// <summary>
/// One timer for the whole fleet: work items (a station's next heartbeat, next session step,
/// reconnect) wait in a priority queue by due time, and a single loop ticking every
/// <see cref="Resolution"/> starts the ones that are due. Thousands of stations cost one timer,
/// not one each.
/// </summary>
internal sealed class Scheduler(TimeProvider time)
{
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(10);

    private readonly PriorityQueue<Action, long> _queue = new();
    private readonly List<Action> _due = [];
    private readonly long _start = time.GetTimestamp();
    private readonly List<(TimeSpan Every, Action Work)> _periodic = [];
    private readonly List<long> _periodicNext = [];

    public TimeSpan Now => time.GetElapsedTime(_start);

    public int Pending
    {
        get
        {
            lock (_queue) return _queue.Count;
        }
    }

    /// <summary>Runs <paramref name="work"/> once, after <paramref name="delay"/> (rounded up to the next tick).</summary>
    public void Schedule(TimeSpan delay, Action work)
    {
        var due = (Now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay)).Ticks;
        lock (_queue) _queue.Enqueue(work, due);
    }

    /// <summary>Runs <paramref name="work"/> every <paramref name="every"/> on the scheduler's loop (keep it short).</summary>
    public void Every(TimeSpan every, Action work)
    {
        lock (_periodic)
        {
            _periodic.Add((every, work));
            _periodicNext.Add((Now + every).Ticks);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Resolution, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                RunDue(Now);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Starts every item due by <paramref name="now"/>, in due order. Returns how many ran.</summary>
    internal int RunDue(TimeSpan now)
    {
        _due.Clear();
        lock (_queue)
        {
            while (_queue.TryPeek(out var work, out var due) && due <= now.Ticks)
            {
                _queue.Dequeue();
                _due.Add(work);
            }
        }

        lock (_periodic)
        {
            for (var index = 0; index < _periodic.Count; index++)
            {
                if (_periodicNext[index] > now.Ticks) continue;
                _periodicNext[index] = (now + _periodic[index].Every).Ticks;
                _due.Add(_periodic[index].Work);
            }
        }

        // Work items only start asynchronous work; one that throws must not stop the others.
        foreach (var work in _due)
        {
            try
            {
                work();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                Console.Error.WriteLine($"scheduler: {exception.GetType().Name}: {exception.Message}");
            }
        }

        return _due.Count;
    }
}
