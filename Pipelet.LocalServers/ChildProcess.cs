using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Pipelet.LocalServers;

/// <summary>
/// A process we start and must never leave behind. It runs in a process group of its own under a
/// small shell guard that forwards our stop signal to it and, should this process die without
/// stopping it (even by <c>kill -9</c>), takes the whole group down within a couple of seconds.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    // $1 = our pid, $2 = the signal that asks the program to stop, rest = the program.
    // The guard exits with the program's exit code.
    private const string Guard = """
        parent=$1; stopsig=$2; shift 2
        "$@" &
        child=$!
        trap 'kill -s "$stopsig" "$child" 2>/dev/null' TERM INT
        while kill -0 "$child" 2>/dev/null; do
          if ! kill -0 "$parent" 2>/dev/null; then
            kill -s "$stopsig" "$child" 2>/dev/null
            for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$child" 2>/dev/null || break; sleep 0.5; done
            kill -KILL -- -$$ 2>/dev/null
          fi
          sleep 0.5 & wait $!
        done
        wait "$child"
        """;

    private const int SigKill = 9;
    private const int SigTerm = 15;

    private readonly Process _process;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        Exited = process.WaitForExitAsync();
    }

    public string Name { get; }

    /// <summary>Pid of the guard, which is also the id of the process group.</summary>
    public int Id => _process.Id;

    public Task Exited { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="name">Prefix for log lines.</param>
    /// <param name="stopSignal">Signal that asks the program to stop cleanly ("TERM", "INT", ...).</param>
    /// <param name="output">Receives each line the program writes to stdout or stderr.</param>
    public static ChildProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        string stopSignal = "TERM",
        Action<string>? output = null)
    {
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in (string[])["/bin/bash", "-c", Guard, "guard", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), stopSignal, fileName, .. arguments])
        {
            start.ArgumentList.Add(arg);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null) start.Environment.Remove(key);
                else start.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        if (output is not null)
        {
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) output(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output(e.Data); };
        }

        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process);
    }

    /// <summary>Starts the program a <see cref="ServerCommand"/> describes.</summary>
    public static ChildProcess Start(string name, ServerCommand command, string stopSignal = "TERM", Action<string>? output = null) =>
        Start(name, command.FileName, command.Arguments, command.Environment, command.WorkingDirectory, stopSignal, output);

    /// <summary>Asks the program to stop; after <paramref name="grace"/> kills its whole process group.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            KillGroup(SigKill); // reap anything the program left in its group
            return;
        }

        _ = Kill(_process.Id, SigTerm);
        try
        {
            await Exited.WaitAsync(grace);
        }
        catch (TimeoutException)
        {
        }

        KillGroup(SigKill);
        await Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Kills the whole group at once, as a crash would (<c>kill -9</c>).</summary>
    public void KillHard() => KillGroup(SigKill);

    private void KillGroup(int signal) => _ = Kill(-_process.Id, signal);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }

    /// <summary>True while any process of the group started as <paramref name="processGroupId"/> lives.</summary>
    /// <summary>
    /// Polls <paramref name="answers"/> until it says yes. Fails at once, with <paramref name="log"/>, if this process
    /// exits first, and after <paramref name="limit"/> if it never answers.
    /// </summary>
    public async Task WaitUntilAnsweringAsync(string displayName, Func<CancellationToken, Task<bool>> answers, TimeSpan limit, Func<string> log, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < limit)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasExited)
            {
                throw new InvalidOperationException($"{displayName} exited during start-up (code {ExitCode}):{Environment.NewLine}{log()}");
            }

            if (await answers(cancellationToken)) return;
            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{displayName} did not start within {limit.TotalSeconds:0} s:{Environment.NewLine}{log()}");
    }

    public static bool GroupAlive(int processGroupId) => Kill(-processGroupId, 0) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
