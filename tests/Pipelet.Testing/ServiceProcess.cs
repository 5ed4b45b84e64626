using System.Collections.Concurrent;
using Pipelet.LocalServers;

namespace Pipelet.Testing;

/// <summary>
/// A Pipelet service run as a child process from its build output (<c>dotnet Pipelet.X.dll</c>), healthy before it
/// is handed out. For what an in-process host cannot show: a crash (<see cref="KillHard"/>, no shutdown code runs),
/// a process's own CPU time, or the service's own runtime settings (the gateway's GC configuration).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly ConcurrentQueue<string> _output;
    private readonly ConcurrentDictionary<string, long> _watched;

    private ServiceProcess(ChildProcess process, ConcurrentQueue<string> output, ConcurrentDictionary<string, long> watched, Uri baseUri)
    {
        _process = process;
        _output = output;
        _watched = watched;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>A client of the service's HTTP API.</summary>
    public HttpClient Http => _http ??= new HttpClient { BaseAddress = BaseUri };

    private HttpClient? _http;

    /// <summary>The dotnet process itself (the guard's child), for reading its memory and CPU time.</summary>
    public int ProcessId => File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children")
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))
        .First(p => File.ReadAllText($"/proc/{p}/comm").Trim() == "dotnet");

    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(60));

    /// <summary>How many lines of the whole output so far contained <paramref name="text"/>, one of the texts watched from the start.</summary>
    public long LinesContaining(string text) => _watched.TryGetValue(text, out var count) ? count : throw new ArgumentException($"'{text}' is not watched.", nameof(text));

    /// <summary>
    /// Starts <paramref name="dll"/> listening on <paramref name="baseUri"/> (set in its <c>ASPNETCORE_URLS</c>) and waits for its <c>/health</c>.
    /// Lines containing one of <paramref name="watch"/> are counted (<see cref="LinesContaining"/>): the kept output is only the last few hundred lines.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(string name, string dll, Uri baseUri, IReadOnlyDictionary<string, string?> environment,
        IReadOnlyList<string>? watch = null)
    {
        var output = new ConcurrentQueue<string>();
        var texts = watch?.ToArray() ?? [];
        var watched = new ConcurrentDictionary<string, long>(texts.Select(w => KeyValuePair.Create(w, 0L)));
        // PIPELET_TEST_LOGS=<folder> keeps each service's whole output, for digging into a failure.
        var logFolder = Environment.GetEnvironmentVariable("PIPELET_TEST_LOGS");
        var log = string.IsNullOrEmpty(logFolder) ? null : TextWriter.Synchronized(new StreamWriter(Path.Combine(logFolder, $"{name}-{baseUri.Port}.log")) { AutoFlush = true });
        var process = ChildProcess.Start(name, "dotnet", [dll], environment, Path.GetDirectoryName(dll), output: line =>
        {
            log?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            output.Enqueue(line);
            foreach (var text in texts)
            {
                if (line.Contains(text, StringComparison.Ordinal)) watched.AddOrUpdate(text, 1, (_, n) => n + 1);
            }

            while (output.Count > 400) output.TryDequeue(out _);
        });
        var service = new ServiceProcess(process, output, watched, baseUri);
        try
        {
            await service.WaitUntilHealthyAsync(name, TimeSpan.FromSeconds(60));
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilHealthyAsync(string name, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The {name} exited during start-up:{Environment.NewLine}{RecentOutput}");
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUri, "health"));
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The {name} did not become healthy within {timeout.TotalSeconds} s:{Environment.NewLine}{RecentOutput}");
    }

    /// <summary>CPU seconds (user + system) the dotnet process has used so far.</summary>
    public double CpuSeconds() => ProcessCpu.Seconds(ProcessId);

    /// <summary>A crash: SIGKILL to the whole process group, no shutdown code runs.</summary>
    public void KillHard() => _process.KillHard();

    public Task Exited => _process.Exited;

    public ValueTask DisposeAsync()
    {
        _http?.Dispose();
        return _process.DisposeAsync();
    }

    /// <summary>A service's own build output (same configuration as these tests).</summary>
    public static string BuildOutput(string project) => ServiceBuild.OutputOf(project);
}
