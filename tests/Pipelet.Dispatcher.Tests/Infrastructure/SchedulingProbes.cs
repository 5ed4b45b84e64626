namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// How late a dedicated thread and the thread pool of this process wake up from 5 ms sleeps, the worst since
/// the last take (benchmarks only). A late thread means the process, or the whole machine, was not scheduled;
/// a late pool alone means the pool was starved.
/// </summary>
public sealed class SchedulingProbes : IAsyncDisposable
{
    private static readonly TimeSpan Nap = TimeSpan.FromMilliseconds(5);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly Task _pool;
    private long _threadLate;
    private long _poolLate;

    public SchedulingProbes()
    {
        _thread = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var before = System.Diagnostics.Stopwatch.GetTimestamp();
                Thread.Sleep(Nap);
                Max(ref _threadLate, (System.Diagnostics.Stopwatch.GetElapsedTime(before) - Nap).Ticks);
            }
        }) { IsBackground = true, Name = "bench-scheduling-probe" };
        _thread.Start();
        _pool = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var before = System.Diagnostics.Stopwatch.GetTimestamp();
                await Task.Delay(Nap, CancellationToken.None);
                Max(ref _poolLate, (System.Diagnostics.Stopwatch.GetElapsedTime(before) - Nap).Ticks);
            }
        });
    }

    public double TakeThreadLateMs() => TimeSpan.FromTicks(Interlocked.Exchange(ref _threadLate, 0)).TotalMilliseconds;

    public double TakePoolLateMs() => TimeSpan.FromTicks(Interlocked.Exchange(ref _poolLate, 0)).TotalMilliseconds;

    private static void Max(ref long field, long value)
    {
        var seen = Volatile.Read(ref field);
        while (value > seen && Interlocked.CompareExchange(ref field, value, seen) != seen) seen = Volatile.Read(ref field);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pool;
        _thread.Join();
        _stop.Dispose();
    }
}
