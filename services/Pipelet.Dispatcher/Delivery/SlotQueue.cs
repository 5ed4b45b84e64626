namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// A number of slots and the work waiting for one, served in arrival order, each waiter for at most one fixed wait
/// (infinite: until a slot frees or its token is cancelled). Built for the delivery path, where under a backlog nearly
/// every try and every event waits for a slot: a waiter costs one completion source and, with a cancellable token,
/// one registration. <see cref="SemaphoreSlim"/>'s timed wait costs a timer, a cancellation promise and an async
/// state machine per waiter, and resumes every waiter through the thread pool. Here all waiters share one timer
/// (armed for the oldest waiter's deadline: they queue in deadline order), and a freed slot goes straight to the
/// oldest waiter, which resumes on the releasing thread.
/// </summary>
public sealed class SlotQueue
{
    private readonly Lock _gate = new();
    private readonly Queue<Waiter> _waiters = new();
    private readonly TimeSpan _wait;
    private readonly TimeProvider _time;
    private ITimer? _timer;
    private bool _timerArmed;
    private int _free;

    /// <summary>
    /// Set while this thread runs a granted waiter's continuation: a slot released inside it (a try that ended at once)
    /// is handed on through the thread pool, so such chains cannot nest on one stack.
    /// </summary>
    [ThreadStatic]
    private static bool t_granting;

    /// <param name="wait">How long a waiter waits at most; <see cref="Timeout.InfiniteTimeSpan"/>: until a slot frees.</param>
    public SlotQueue(int slots, TimeSpan wait, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        _free = slots;
        _wait = wait;
        _time = time;
    }

    /// <summary>Slots free now.</summary>
    public int Free
    {
        get
        {
            lock (_gate) return _free;
        }
    }

    /// <summary>
    /// Takes a slot: at once if one is free, otherwise (when <paramref name="wait"/>) after the waiters before this one,
    /// within the queue's wait. True when a slot was taken, false when none freed in time.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled first; no slot is taken.</exception>
    public ValueTask<bool> EnterAsync(bool wait, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        Waiter waiter;
        lock (_gate)
        {
            if (_free > 0)
            {
                _free--;
                return new ValueTask<bool>(true);
            }

            if (!wait || _wait == TimeSpan.Zero) return new ValueTask<bool>(false);
            var finite = _wait != Timeout.InfiniteTimeSpan;
            waiter = new Waiter(finite ? _time.GetTimestamp() + Ticks(_wait) : long.MaxValue);
            _waiters.Enqueue(waiter);
            if (finite && !_timerArmed)
            {
                _timerArmed = true;
                if (_timer is null) _timer = _time.CreateTimer(static state => ((SlotQueue)state!).Expire(), this, _wait, Timeout.InfiniteTimeSpan);
                else _timer.Change(_wait, Timeout.InfiniteTimeSpan);
            }
        }

        if (cancellationToken.CanBeCanceled) waiter.Watch(cancellationToken);
        return new ValueTask<bool>(waiter.Task);
    }

    /// <summary>Frees a slot: the oldest waiter still waiting gets it, or it stays free.</summary>
    public void Release()
    {
        Waiter? next;
        while (true)
        {
            lock (_gate)
            {
                if (!_waiters.TryDequeue(out next))
                {
                    _free++;
                    return;
                }
            }

            // False: it was cancelled meanwhile; the slot goes to the next one.
            if (next.TryClaim()) break;
        }

        Grant(next);
    }

    private static void Grant(Waiter waiter)
    {
        if (t_granting)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static w => w.SetResult(true), waiter, preferLocal: true);
            return;
        }

        t_granting = true;
        try
        {
            waiter.SetResult(true);
        }
        finally
        {
            t_granting = false;
        }
    }

    /// <summary>The timer: waiters past their deadline leave the queue without a slot; the timer is armed again for the next one.</summary>
    private void Expire()
    {
        List<Waiter>? expired = null;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            while (_waiters.TryPeek(out var head) && (head.IsClaimed || head.Deadline <= now))
            {
                _waiters.Dequeue();
                if (head.TryClaim()) (expired ??= []).Add(head);
            }

            if (_waiters.TryPeek(out var oldest))
            {
                var remaining = TimeSpan.FromTicks((oldest.Deadline - now) * TimeSpan.TicksPerSecond / _time.TimestampFrequency);
                _timer!.Change(remaining < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : remaining, Timeout.InfiniteTimeSpan);
            }
            else _timerArmed = false;
        }

        // Through the thread pool: each goes on (a hand-off, a step aside) without holding up the timer's thread.
        foreach (var waiter in expired ?? []) ThreadPool.UnsafeQueueUserWorkItem(static w => w.SetResult(false), waiter, preferLocal: false);
    }

    private long Ticks(TimeSpan span) => span.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond;

    /// <summary>
    /// One waiter. Whoever claims it first (a slot, its deadline, its token) completes it; its continuation runs where
    /// it is completed, so a granted waiter resumes on the releasing thread.
    /// </summary>
    private sealed class Waiter(long deadline) : TaskCompletionSource<bool>
    {
        private int _claimed;
        private CancellationTokenRegistration _cancellation;

        public long Deadline { get; } = deadline;

        public bool IsClaimed => Volatile.Read(ref _claimed) != 0;

        public bool TryClaim()
        {
            if (Interlocked.Exchange(ref _claimed, 1) != 0) return false;
            _cancellation.Unregister();
            return true;
        }

        public void Watch(CancellationToken cancellationToken)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var waiter = (Waiter)state!;
                if (waiter.TryClaim()) waiter.SetCanceled(token);
            }, this);

            // Granted or expired before the registration was in place: it is not needed any more.
            if (IsClaimed) _cancellation.Unregister();
        }
    }
}
