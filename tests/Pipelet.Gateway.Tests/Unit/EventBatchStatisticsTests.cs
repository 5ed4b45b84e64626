using Microsoft.Extensions.Logging;
using Pipelet.Gateway.Events;

namespace Pipelet.Gateway.Tests.Unit;

public sealed class EventBatchStatisticsTests
{
    [Fact]
    public void Logs_the_events_messages_and_confirm_times_once_per_interval()
    {
        var clock = new ManualClock();
        var log = new CapturingLogger();
        var statistics = new EventBatchStatistics(clock, TimeSpan.FromSeconds(5), log);

        statistics.Confirmed(10, Ms(4));
        statistics.Confirmed(30, Ms(12));
        clock.Ticks += TimeSpan.FromSeconds(4).Ticks;
        statistics.Confirmed(20, Ms(2));
        Assert.Empty(log.Lines);

        clock.Ticks += TimeSpan.FromSeconds(1).Ticks;
        statistics.Confirmed(40, Ms(6));
        Assert.Equal("Published 100 events in 4 messages (25.0 per message) in the last 5.0 s; confirms took 6.0 ms on average, 12 ms at most",
            Assert.Single(log.Lines));

        // Each interval starts afresh: the slowest confirm of the last one is forgotten.
        clock.Ticks += TimeSpan.FromSeconds(5).Ticks;
        statistics.Confirmed(1, Ms(3));
        Assert.Equal("Published 1 events in 1 messages (1.0 per message) in the last 5.0 s; confirms took 3.0 ms on average, 3 ms at most", log.Lines[1]);
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private sealed class CapturingLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
