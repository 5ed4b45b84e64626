using System.Collections.Concurrent;
using Pipelet.AppHost.Hosting;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>The real dispatcher, run as a child process from its build output (<c>dotnet Pipelet.Dispatcher.dll</c>).</summary>
public sealed class DispatcherProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly ConcurrentQueue<string> _output;

    private DispatcherProcess(ChildProcess process, ConcurrentQueue<string> output, Uri baseUri)
    {
        _process = process;
        _output = output;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>The dotnet process itself (the guard's child), for reading its memory.</summary>
    public int ProcessId => File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children")
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))
        .First(p => File.ReadAllText($"/proc/{p}/comm").Trim() == "dotnet");

    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(60));

    public sealed record Settings(
        string RabbitMq,
        string Database,
        Uri Subscriptions,
        string RetrySchedule = "1s,1s,2s",
        string Timeout = "00:00:02",
        bool AllowPrivateNetworks = true,
        IReadOnlyDictionary<string, string?>? Extra = null);

    public static async Task<DispatcherProcess> StartAsync(Settings settings)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__rabbitmq"] = settings.RabbitMq,
            ["ConnectionStrings__dispatcherdb"] = settings.Database,
            ["services__subscriptions__internal__0"] = settings.Subscriptions.ToString(),
            ["Delivery__RetrySchedule"] = settings.RetrySchedule,
            ["Delivery__Timeout"] = settings.Timeout,
            ["Delivery__AllowPrivateNetworks"] = settings.AllowPrivateNetworks ? "true" : "false",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__System.Net.Http"] = "Warning",
            ["Logging__LogLevel__MassTransit"] = Environment.GetEnvironmentVariable("PIPELET_TEST_MASSTRANSIT_LOG") ?? "Warning",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        foreach (var (key, value) in settings.Extra ?? new Dictionary<string, string?>()) environment[key] = value;

        var output = new ConcurrentQueue<string>();
        var dll = DispatcherDll();
        // PIPELET_TEST_LOGS=<folder> keeps each dispatcher's whole output, for digging into a failure.
        var logFolder = Environment.GetEnvironmentVariable("PIPELET_TEST_LOGS");
        var log = string.IsNullOrEmpty(logFolder) ? null : TextWriter.Synchronized(new StreamWriter(Path.Combine(logFolder, $"dispatcher-{port}.log")) { AutoFlush = true });
        var process = ChildProcess.Start("dispatcher", "dotnet", [dll], environment, Path.GetDirectoryName(dll), output: line =>
        {
            log?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            output.Enqueue(line);
            while (output.Count > 400) output.TryDequeue(out _);
        });
        var dispatcher = new DispatcherProcess(process, output, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await dispatcher.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
            return dispatcher;
        }
        catch
        {
            await dispatcher.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The dispatcher exited during start-up:{Environment.NewLine}{RecentOutput}");
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

        throw new TimeoutException($"The dispatcher did not become healthy within {timeout.TotalSeconds} s:{Environment.NewLine}{RecentOutput}");
    }

    /// <summary>A crash: SIGKILL to the whole process group, no shutdown code runs.</summary>
    public void KillHard() => _process.KillHard();

    public Task Exited => _process.Exited;

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    /// <summary>The dispatcher's own build output (same configuration as these tests).</summary>
    private static string DispatcherDll()
    {
        var testDirectory = AppContext.BaseDirectory; // .../tests/Pipelet.Dispatcher.Tests/bin/<Configuration>/net10.0/
        var configuration = new DirectoryInfo(testDirectory).Parent!.Name;
        var root = new DirectoryInfo(testDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Pipelet.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException("Cannot find the repository root (Pipelet.sln) above " + testDirectory);
        var dll = Path.Combine(root.FullName, "services", "Pipelet.Dispatcher", "bin", configuration, "net10.0", "Pipelet.Dispatcher.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the dispatcher first.", dll);
    }
}
