namespace Pipelet.Dispatcher.Tests;

/// <summary>A benchmark, not a test: runs only when <c>PIPELET_BENCH=1</c> (see docs/benchmarks/dispatcher.md).</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("PIPELET_BENCH") != "1") Skip = "Benchmark: set PIPELET_BENCH=1 to run it.";
    }
}
