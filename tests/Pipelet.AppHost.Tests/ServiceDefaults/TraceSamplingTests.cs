using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Pipelet.ServiceDefaults.Telemetry;

namespace Pipelet.AppHost.Tests.ServiceDefaults;

/// <summary>
/// New traces are sampled up to a rate per instance and every span under a root follows the root's decision, so
/// a trace is whole or absent. Shares the telemetry collection: activity listeners are process-wide.
/// </summary>
[Collection(nameof(TelemetryExportTests))]
public sealed class TraceSamplingTests
{
    private static readonly ActivitySource Source = new("Pipelet.Tests.Sampling");

    [Fact]
    public void Roots_are_all_sampled_below_the_rate_and_capped_to_it_above()
    {
        var time = new ManualTimestamps();
        var sampler = new TracesPerSecondSampler(10, time);

        // A quiet start: ten seconds' worth at once, then nothing until the rate allows the next.
        Assert.Equal(101, Decide(sampler, 1_000).Count(sampled => sampled));

        // Slower than the rate (4 a second for 5 seconds): every one.
        var slow = new List<bool>();
        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            slow.AddRange(Decide(sampler, 1));
        }

        Assert.All(slow, Assert.True);

        // After a quiet minute, much faster (1,000 a second for 3 seconds): the burst, then 10 a second.
        time.Advance(TimeSpan.FromMinutes(1));
        var fast = 0;
        for (var i = 0; i < 3_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            fast += Decide(sampler, 1).Count(sampled => sampled);
        }

        Assert.InRange(fast, 125, 135);
    }

    [Fact]
    public void Zero_starts_no_trace()
    {
        Assert.DoesNotContain(true, Decide(new TracesPerSecondSampler(0), 10));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("many")]
    public async Task A_bad_rate_stops_the_service_at_start(string rate)
    {
        using var app = Service(new() { ["Telemetry:TracesPerSecond"] = rate });

        await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
    }

    [Fact]
    public async Task A_service_samples_whole_traces_up_to_its_rate()
    {
        using var app = Service(new() { ["Telemetry:TracesPerSecond"] = "5" });
        await app.StartAsync();
        try
        {
            var roots = Enumerable.Range(0, 200).Select(_ => Trace()).ToList();

            // 5 a second after a ten-second burst (51), whatever the machine's pauses add: far from all 200.
            var sampled = roots.Where(trace => trace.Root).ToList();
            Assert.InRange(sampled.Count, 1, 120);
            // Downstream (a child here, the dispatcher's spans across the bus) always follows the root.
            Assert.All(roots, trace => Assert.Equal(trace.Root, trace.Child));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task OTEL_TRACES_SAMPLER_chooses_the_SDK_sampler_instead()
    {
        using var app = Service(new() { ["Telemetry:TracesPerSecond"] = "1", ["OTEL_TRACES_SAMPLER"] = "always_on" });
        await app.StartAsync();
        try
        {
            Assert.All(Enumerable.Range(0, 50).Select(_ => Trace()), trace => Assert.True(trace.Root && trace.Child));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static (bool Root, bool Child) Trace()
    {
        var previous = Activity.Current;
        Activity.Current = null;
        using var root = Source.StartActivity("root");
        using var child = Source.StartActivity("child");
        Activity.Current = previous;
        return (root?.Recorded ?? false, child?.Recorded ?? false);
    }

    private static IHost Service(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        // An endpoint nobody listens on: export failures are the exporter's business, the sampling is ours.
        settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(Source.Name));
        return builder.Build();
    }

    private static IEnumerable<bool> Decide(Sampler sampler, int roots) =>
        Enumerable.Range(0, roots).Select(_ => sampler.ShouldSample(new SamplingParameters(
            default, ActivityTraceId.CreateRandom(), "root", ActivityKind.Server)).Decision == SamplingDecision.RecordAndSample).ToList();

    private sealed class ManualTimestamps : TimeProvider
    {
        private long _now = 1_000_000_000;

        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan by) => _now += by.Ticks * 100;
    }
}
