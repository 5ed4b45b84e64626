using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Tests;

/// <summary>When a webhook counts as slow (threshold 2 s, slow for 60 s).</summary>
public sealed class WebhookHealthTests : IDisposable
{
    private const long Hook = 42;
    private readonly ManualTime _time = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly WebhookHealth _health;

    public WebhookHealthTests() =>
        _health = new WebhookHealth(Options.Create(new DeliveryOptions()), _time, _services.GetRequiredService<IMeterFactory>(), NullLogger<WebhookHealth>.Instance);

    [Fact]
    public async Task A_try_still_running_at_the_threshold_marks_its_webhook_slow_before_it_ends()
    {
        var options = Options.Create(new DeliveryOptions { SlowThreshold = TimeSpan.FromMilliseconds(50) });
        var health = new WebhookHealth(options, TimeProvider.System, _services.GetRequiredService<IMeterFactory>(), NullLogger<WebhookHealth>.Instance);

        using (health.Watch(Hook))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!health.IsSlow(Hook)) await Task.Delay(10, deadline.Token);
        }

        Assert.False(health.IsSlow(Hook + 1));
    }

    [Fact]
    public async Task A_try_that_ends_before_the_threshold_marks_nothing()
    {
        var options = Options.Create(new DeliveryOptions { SlowThreshold = TimeSpan.FromSeconds(1) });
        var health = new WebhookHealth(options, TimeProvider.System, _services.GetRequiredService<IMeterFactory>(), NullLogger<WebhookHealth>.Instance);

        health.Watch(Hook).Dispose();
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.False(health.IsSlow(Hook));
    }

    [Fact]
    public void A_slow_answer_or_a_timeout_marks_the_webhook_and_a_fast_success_clears_it()
    {
        Assert.False(_health.IsSlow(Hook));

        _health.Observe(Hook, Result(succeeded: true, seconds: 2.5));
        Assert.True(_health.IsSlow(Hook));

        _health.Observe(Hook, Result(succeeded: false, seconds: 0.1));
        Assert.True(_health.IsSlow(Hook)); // a quick failure says nothing about speed

        _health.Observe(Hook, Result(succeeded: true, seconds: 0.1));
        Assert.False(_health.IsSlow(Hook));

        _health.Observe(Hook, Result(succeeded: false, seconds: 10, AttemptErrorKind.Timeout));
        Assert.True(_health.IsSlow(Hook));
        Assert.False(_health.IsSlow(Hook + 1));
    }

    [Fact]
    public void The_mark_lasts_a_minute_from_the_last_slow_try()
    {
        _health.Observe(Hook, Result(succeeded: false, seconds: 10, AttemptErrorKind.Timeout));
        _time.Advance(TimeSpan.FromSeconds(50));
        _health.Observe(Hook, Result(succeeded: false, seconds: 10, AttemptErrorKind.Timeout));

        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.True(_health.IsSlow(Hook));

        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.False(_health.IsSlow(Hook));
    }

    public void Dispose() => _services.Dispose();

    private static AttemptResult Result(bool succeeded, double seconds, AttemptErrorKind kind = AttemptErrorKind.None) =>
        new(succeeded, succeeded ? 200 : null, TimeSpan.FromSeconds(seconds), succeeded ? AttemptErrorKind.None : kind == AttemptErrorKind.None ? AttemptErrorKind.HttpStatus : kind, null, null);
}
