using System.Collections.Concurrent;
using System.Globalization;
using Pipelet.LocalServers;

namespace Pipelet.Simulator.Tests.Infrastructure;

/// <summary>
/// The real gateway, run as its own process from its built assembly (as the AppHost runs it), on a
/// free loopback port, against the given RabbitMQ virtual host and PostgreSQL database. Stopped, with
/// its whole process group, on dispose.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly ChildProcess _process;
    private readonly ConcurrentQueue<string> _log;

    private GatewayProcess(ChildProcess process, int port, ConcurrentQueue<string> log)
    {
        _process = process;
        _log = log;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        Http = new HttpClient { BaseAddress = BaseAddress };
    }

    public Uri BaseAddress { get; }

    public Uri OcppUrl => new($"ws://{BaseAddress.Authority}/ocpp");

    public HttpClient Http { get; }

    /// <summary>The guard's pid (the gateway runs as its child, in the same process group).</summary>
    public int ProcessGroup => _process.Id;

    /// <summary>The last lines the gateway wrote, for failure messages.</summary>
    public string Log => string.Join(Environment.NewLine, _log.TakeLast(60));

    public static async Task<GatewayProcess> StartAsync(string rabbitMq, string database, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var gateway = Pipelet.Testing.ServiceBuild.OutputOf("Pipelet.Gateway");

        var port = FreePort.Next();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["ConnectionStrings__rabbitmq"] = rabbitMq,
            ["ConnectionStrings__gatewaydb"] = database,
            ["Gateway__RequireApiKey"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) environment[key] = value;

        var log = new ConcurrentQueue<string>();
        var process = ChildProcess.Start(
            "gateway",
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet",
            [gateway],
            environment,
            workingDirectory: Path.GetDirectoryName(gateway),
            output: line =>
            {
                log.Enqueue(line);
                while (log.Count > 500) log.TryDequeue(out _);
            });
        var server = new GatewayProcess(process, port, log);
        try
        {
            await server.WaitUntilHealthyAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.StopAsync(TimeSpan.FromSeconds(15));
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The gateway exited ({_process.ExitCode}):{Environment.NewLine}{Log}");
            try
            {
                using var response = await probe.GetAsync("health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new TimeoutException($"The gateway was not healthy within {StartTimeout}:{Environment.NewLine}{Log}");
    }
}
