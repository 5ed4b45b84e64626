using System.Text.RegularExpressions;

namespace Pipelet.AppHost.Tests.Hosting;

/// <summary>The lines a child process writes, kept for assertions and for the failure message.</summary>
internal sealed class OutputLog
{
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Signal)> _waiters = [];

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Signal.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return [.. _lines];
        }
    }

    /// <summary>Waits for a line containing <paramref name="text"/>; fails early if <paramref name="exited"/> completes first.</summary>
    public async Task<string> WaitForAsync(string text, Task exited, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } seen) return seen;
            _waiters.Add((l => l.Contains(text, StringComparison.Ordinal), signal));
        }

        var winner = await Task.WhenAny(signal.Task, exited, Task.Delay(timeout));
        if (winner == signal.Task) return await signal.Task;
        throw new Xunit.Sdk.XunitException(
            (winner == exited ? $"The process exited before printing '{text}'." : $"No '{text}' within {timeout}.") +
            Environment.NewLine + Tail(80));
    }

    public string? FirstMatch(Regex pattern) =>
        Lines.Select(l => pattern.Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    public string Tail(int count) => string.Join(Environment.NewLine, Lines.TakeLast(count));
}
