using Pipelet.Simulator.Cli;

namespace Pipelet.Simulator.Tests;

public sealed class ValueParsersTests
{
    [Theory]
    [InlineData("250ms", 0.25)]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("90", 90)]
    [InlineData("0.5", 0.5)]
    [InlineData("00:01:30", 90)]
    public void Reads_durations(string text, double seconds)
    {
        Assert.True(ValueParsers.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("-3s")]
    [InlineData("soon")]
    public void Refuses_what_is_not_a_duration(string text) => Assert.False(ValueParsers.TryParseDuration(text, out _));

    [Fact]
    public void Reads_rates_and_max()
    {
        Assert.True(ValueParsers.TryParseRate("max", out var max));
        Assert.True(double.IsPositiveInfinity(max));
        Assert.True(ValueParsers.TryParseRate("2500", out var rate));
        Assert.Equal(2500, rate);
        Assert.False(ValueParsers.TryParseRate("-1", out _));
        Assert.False(ValueParsers.TryParseRate("fast", out _));
    }

    [Fact]
    public void Reads_process_ids()
    {
        Assert.True(ValueParsers.TryParsePids("12, 34", out var pids));
        Assert.Equal(new[] { 12, 34 }, pids);
        Assert.False(ValueParsers.TryParsePids("12,x", out _));
    }

    [Fact]
    public void Station_ids_are_numbered_and_percent_encoded_in_the_url()
    {
        var options = new SimulatorOptions { Url = new Uri("ws://localhost:9000/ocpp/"), IdPrefix = "SIM #", FirstStation = 7 };

        Assert.Equal("SIM #00007", options.StationId(0));
        Assert.Equal("ws://localhost:9000/ocpp/SIM%20%2300007", options.StationUri("SIM #00007").AbsoluteUri);
        Assert.Equal("Basic U0lNLTAwMDAxOnNlY3JldA==", (options with { Password = "secret" }).BasicAuthorization("SIM-00001"));
        Assert.Empty(new SimulatorOptions().Validate());
        Assert.NotEmpty((options with { Stations = 0, Url = new Uri("http://x") }).Validate());
    }
}
