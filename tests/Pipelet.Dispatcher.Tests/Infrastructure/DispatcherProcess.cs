using Pipelet.LocalServers;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>The real dispatcher, run as a child process from its build output (<c>dotnet Pipelet.Dispatcher.dll</c>).</summary>
public sealed class DispatcherProcess : IAsyncDisposable
{
    private readonly ServiceProcess _process;

    private DispatcherProcess(ServiceProcess process) => _process = process;

    public Uri BaseUri => _process.BaseUri;

    /// <summary>The dotnet process itself, for reading its memory.</summary>
    public int ProcessId => _process.ProcessId;

    public string RecentOutput => _process.RecentOutput;

    /// <inheritdoc cref="ServiceProcess.LinesContaining"/>
    public long LinesContaining(string text) => _process.LinesContaining(text);

    public sealed record Settings(
        string RabbitMq,
        string Database,
        Uri Subscriptions,
        string RetrySchedule = "1s,1s,2s",
        string? Timeout = "00:00:02", // null: the service's own default (10 s)
        bool AllowPrivateNetworks = true,
        IReadOnlyDictionary<string, string?>? Extra = null,
        IReadOnlyList<string>? Watch = null);

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

        var process = await ServiceProcess.StartAsync("dispatcher", ServiceProcess.BuildOutput("Pipelet.Dispatcher"), new Uri($"http://127.0.0.1:{port}/"), environment, settings.Watch);
        return new DispatcherProcess(process);
    }

    /// <summary>CPU seconds the dispatcher has used so far.</summary>
    public double CpuSeconds() => _process.CpuSeconds();

    /// <summary>A crash: SIGKILL to the whole process group, no shutdown code runs.</summary>
    public void KillHard() => _process.KillHard();

    public Task Exited => _process.Exited;

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
