using Microsoft.Extensions.Logging;
using Pipelet.Gateway.Events;

namespace Pipelet.Gateway.Tests.Unit;

public sealed class EventBatchStatisticsTests
{
    [Fact]
    public void Logs_the_events_and_messages_confirmed_once_per_interval()
    {
        var clock = new ManualClock();
        var log = new CapturingLogger();
        var statistics = new EventBatchStatistics(clock, TimeSpan.FromSeconds(5), log);

        statistics.Confirmed(10);
        statistics.Confirmed(30);
        clock.Ticks += TimeSpan.FromSeconds(4).Ticks;
        statistics.Confirmed(20);
        Assert.Empty(log.Lines);

        clock.Ticks += TimeSpan.FromSeconds(1).Ticks;
        statistics.Confirmed(40);
        Assert.Equal("Published 100 events in 4 messages (25.0 per message) in the last 5.0 s", Assert.Single(log.Lines));

        clock.Ticks += TimeSpan.FromSeconds(5).Ticks;
        statistics.Confirmed(1);
        Assert.Equal("Published 1 events in 1 messages (1.0 per message) in the last 5.0 s", log.Lines[1]);
    }

    private sealed class CapturingLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
