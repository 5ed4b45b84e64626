namespace Pipelet.Dispatcher.Tests;

/// <summary>A benchmark, not a test: runs only when <c>PIPELET_BENCH=1</c> (see docs/benchmarks/dispatcher.md).</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("PIPELET_BENCH") != "1") Skip = "Benchmark: set PIPELET_BENCH=1 to run it.";
    }
}

/// <summary>The benchmarks' settings from the environment (<c>PIPELET_BENCH_*</c>).</summary>
internal static class BenchmarkSettings
{
    /// <summary>The whole number in <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public static int Setting(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var n) ? n : fallback;
}
