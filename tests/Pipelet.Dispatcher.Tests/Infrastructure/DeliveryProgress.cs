using System.Diagnostics;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// Samples, every 50 ms, how many events the receiver has and how many requests it answered, so a benchmark can
/// give the sustained rate in the middle of a run: the run's end waits for the last retries, which sit out their
/// rung (1 s) on purpose, and its start for the backlog to form, and neither says how fast deliveries flow.
/// </summary>
public sealed class DeliveryProgress : IAsyncDisposable
{
    private readonly List<(double Seconds, long Delivered, long Attempts)> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    private DeliveryProgress(Receiver receiver)
    {
        var clock = Stopwatch.StartNew();
        var deliveredBefore = receiver.DistinctEvents;
        var attemptsBefore = receiver.TotalHits;
        _sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            try
            {
                do
                {
                    lock (_samples) _samples.Add((clock.Elapsed.TotalSeconds, receiver.DistinctEvents - deliveredBefore, receiver.TotalHits - attemptsBefore));
                }
                while (await timer.WaitForNextTickAsync(_stop.Token));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        });
    }

    /// <summary>Starts counting from what <paramref name="receiver"/> has now.</summary>
    public static DeliveryProgress Start(Receiver receiver) => new(receiver);

    /// <summary>
    /// Events delivered and requests answered (first tries and retries, failed or not) per second between the
    /// samples where <paramref name="from"/> and <paramref name="until"/> of <paramref name="events"/> had arrived.
    /// </summary>
    /// <returns>The rates, and when (seconds since <see cref="Start"/>) the window opened and closed.</returns>
    public (double DeliveriesPerSecond, double AttemptsPerSecond, double Opened, double Closed) Between(double from, double until, int events)
    {
        lock (_samples)
        {
            var first = _samples.FindIndex(s => s.Delivered >= from * events);
            var last = _samples.FindIndex(s => s.Delivered >= until * events);
            if (first < 0 || last <= first) return (double.NaN, double.NaN, double.NaN, double.NaN);
            var (a, b) = (_samples[first], _samples[last]);
            var seconds = b.Seconds - a.Seconds;
            return ((b.Delivered - a.Delivered) / seconds, (b.Attempts - a.Attempts) / seconds, a.Seconds, b.Seconds);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
