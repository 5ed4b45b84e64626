namespace Pipelet.Testing;

/// <summary>
/// The test host keeps two thread-pool workers blocked for its whole run: vstest's message loop polls its socket, and
/// xunit's assembly runner waits for the run to end. The pool counts both as busy, so when hill climbing takes its
/// goal down to the minimum (one worker per core) no worker is left for the servers a test runs in this process. A
/// benchmark's receiver then stopped reading its sockets for 0.3-1 s, until the pool's starvation check added a
/// worker, and the dispatcher's tries hung meanwhile (docs/benchmarks/dispatcher.md, "Session 19"). A minimum raised
/// by those two gives the cores back.
/// </summary>
public static class TestHostThreadPool
{
    private const int BlockedByTestHost = 2;

    public static void ReturnBlockedWorkers()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        var wanted = Environment.ProcessorCount + BlockedByTestHost;
        if (workers < wanted) ThreadPool.SetMinThreads(wanted, completionPorts);
    }
}
