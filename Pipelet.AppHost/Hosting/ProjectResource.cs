using System.Globalization;

namespace Pipelet.AppHost.Hosting;

/// <summary>
/// A .NET project run as a child process from its built output, with the environment its
/// references, endpoints and settings give it. If it dies, it is restarted with backoff.
/// </summary>
public sealed class ProjectResource(string name, IProjectMetadata metadata) : Resource(name), IResourceWithEndpoints, IResourceWithEnvironment
{
    private static readonly HttpClient HealthClient = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly List<EndpointAnnotation> _endpoints = [];
    private readonly List<Action<IDictionary<string, string>>> _environment = [];
    private readonly TaskCompletionSource _firstHealthy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private ChildProcess? _process;
    private Task _supervisor = Task.CompletedTask;

    public IProjectMetadata Metadata { get; } = metadata;

    public IReadOnlyList<EndpointAnnotation> Endpoints => _endpoints;

    /// <summary>Path answered with 2xx once the project is ready (Aspire's <c>WithHttpHealthCheck</c>).</summary>
    public string? HealthCheckPath { get; internal set; }

    public string HealthCheckEndpointName { get; internal set; } = "http";

    /// <summary>How many times the project has been restarted after dying.</summary>
    public int RestartCount { get; private set; }

    /// <summary>Process group of the running instance (the guard's pid), for diagnostics and tests.</summary>
    public int? ProcessGroupId => _process?.Id;

    public void AddEndpoint(EndpointAnnotation endpoint)
    {
        if (_endpoints.Any(e => e.Name == endpoint.Name))
        {
            throw new InvalidOperationException($"Resource '{Name}' already has an endpoint named '{endpoint.Name}'.");
        }

        _endpoints.Add(endpoint);
    }

    public void AddEnvironment(Action<IDictionary<string, string>> callback) => _environment.Add(callback);

    /// <summary>
    /// The environment the project starts with, on top of the AppHost's own: the URLs of its
    /// endpoints, their port variables, then everything declared on it, in declaration order
    /// (later values win).
    /// </summary>
    public IReadOnlyDictionary<string, string> BuildEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_endpoints.Count > 0)
        {
            environment["ASPNETCORE_URLS"] = string.Join(';', _endpoints.Select(e => e.Url));
        }

        foreach (var endpoint in _endpoints.Where(e => e.PortEnvironmentVariable is not null))
        {
            environment[endpoint.PortEnvironmentVariable!] = endpoint.AllocatedPort!.Value.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var callback in _environment)
        {
            callback(environment);
        }

        return environment;
    }

    internal override IEnumerable<ResourceUrl> DisplayUrls() =>
        Urls.Count > 0 ? Urls : _endpoints.Select(e => new ResourceUrl(e.Url, e.Name == "http" ? null : e.Name));

    internal override async Task StartAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        if (!File.Exists(Metadata.TargetPath))
        {
            throw new InvalidOperationException(
                $"'{Name}' is not built ({Metadata.TargetPath} is missing). Build it with: dotnet build {Metadata.ProjectPath}");
        }

        _supervisor = Task.Run(
            async () =>
            {
                try
                {
                    await SuperviseAsync(context, _stopping.Token);
                }
                catch (Exception ex)
                {
                    // The supervisor itself failed (the process could not even be started): fail the start.
                    _firstHealthy.TrySetException(ex);
                    State = ResourceState.FailedToStart;
                }
            },
            CancellationToken.None);
        await _firstHealthy.Task.WaitAsync(cancellationToken);
    }

    internal override async Task StopAsync(TimeSpan grace)
    {
        await _stopping.CancelAsync();
        if (_process is { } process) await process.StopAsync(grace);
        await _supervisor.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        State = ResourceState.Stopped;
    }

    /// <summary>Runs the project; whenever it dies, says so loudly and starts it again after a backoff.</summary>
    private async Task SuperviseAsync(ResourceContext context, CancellationToken stopping)
    {
        var log = context.Logger;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            // Another program on our port would answer our health checks in the project's place.
            if (_endpoints.FirstOrDefault(e => !FreePort.IsFree(e.AllocatedPort!.Value)) is { } taken)
            {
                var wait = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, failures++)));
                log.Alert($"Port {taken.AllocatedPort} of {Name} ({taken.Name}) is in use by another program. Trying again in {wait.TotalSeconds:0} s.");
                try
                {
                    await Task.Delay(wait, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            State = ResourceState.Starting;
            var environment = BuildEnvironment().ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
            var process = ChildProcess.Start(
                Name,
                DotNetHost.Path,
                [Metadata.TargetPath],
                environment,
                workingDirectory: Path.GetDirectoryName(Metadata.ProjectPath),
                stopSignal: "TERM",
                output: log.For(Name));
            _process = process;

            var healthySince = await WaitUntilHealthyAsync(process, stopping);
            if (healthySince is not null)
            {
                State = ResourceState.Healthy;
                if (!_firstHealthy.TrySetResult()) log.Info($"{Name} is healthy again.");
            }

            await process.Exited.WaitAsync(stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stopping.IsCancellationRequested) return;

            process.KillHard(); // whatever the program left in its process group goes with it
            State = ResourceState.Exited;
            // A run that stayed up a while was a success: the next failure starts the backoff afresh.
            if (healthySince is { } since && DateTimeOffset.UtcNow - since > TimeSpan.FromMinutes(1)) failures = 0;
            var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, failures++)));
            log.Alert($"{Name} exited with code {process.ExitCode}. Restarting it in {delay.TotalSeconds:0} s (restart #{RestartCount + 1}).");
            State = ResourceState.Restarting;
            try
            {
                await Task.Delay(delay, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            RestartCount++;
        }
    }

    /// <summary>Polls the health endpoint until it answers 2xx; null if the process exits first or we stop.</summary>
    private async Task<DateTimeOffset?> WaitUntilHealthyAsync(ChildProcess process, CancellationToken stopping)
    {
        if (HealthCheckPath is null)
        {
            State = ResourceState.Running;
            return DateTimeOffset.UtcNow;
        }

        var endpoint = _endpoints.FirstOrDefault(e => e.Name == HealthCheckEndpointName)
            ?? throw new InvalidOperationException($"'{Name}' has no endpoint '{HealthCheckEndpointName}' for its health check.");
        var url = new Uri(new Uri(endpoint.Url), HealthCheckPath);
        State = ResourceState.Running;
        while (!process.HasExited && !stopping.IsCancellationRequested)
        {
            try
            {
                using var response = await HealthClient.GetAsync(url, stopping);
                if (response.IsSuccessStatusCode) return DateTimeOffset.UtcNow;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.WhenAny(process.Exited, Task.Delay(250, stopping));
        }

        return null;
    }
}
