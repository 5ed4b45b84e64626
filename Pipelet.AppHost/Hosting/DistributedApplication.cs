using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;

namespace Pipelet.AppHost.Hosting;

/// <summary>
/// Runs the declared graph, as Aspire's orchestrator would: allocates ports, starts every resource
/// once what it waits for is ready, prints a summary when all are healthy, streams their logs, and
/// on Ctrl+C or SIGTERM stops them in reverse order within <see cref="StopBudget"/>.
/// </summary>
public sealed class DistributedApplication
{
    /// <summary>Everything is down within this time of a stop signal.</summary>
    public static readonly TimeSpan StopBudget = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan ProjectGrace = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan ServerGrace = TimeSpan.FromSeconds(4);

    private readonly IDistributedApplicationBuilder _builder;
    private readonly List<Resource> _resources;

    internal DistributedApplication(IDistributedApplicationBuilder builder)
    {
        _builder = builder;
        _resources = builder.Resources.OfType<Resource>().ToList();
    }

    public IReadOnlyList<IResource> Resources => _resources;

    /// <summary>A builder reading the AppHost's environment variables, then its command line.</summary>
    public static IDistributedApplicationBuilder CreateBuilder(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        return CreateBuilder(configuration);
    }

    public static IDistributedApplicationBuilder CreateBuilder(IConfiguration configuration, string? appHostDirectory = null) =>
        new DistributedApplicationBuilder(configuration, appHostDirectory ?? DistributedApplicationBuilder.FindAppHostDirectory());

    /// <summary>Runs until Ctrl+C or SIGTERM; sets the process exit code (1 when the system could not start).</summary>
    public void Run() => Environment.ExitCode = RunAsync().GetAwaiter().GetResult();

    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var logger = ResourceLogger.ForConsole();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true; // we stop in order ourselves
            if (!stopping.IsCancellationRequested) logger.Info($"{signal.Signal} received: stopping.");
            stopping.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);

        foreach (var resource in _resources.Where(r => r.IsShownInTable)) logger.Register(resource.Name);
        try
        {
            EndpointAllocator.Allocate(_resources.OfType<IResourceWithEndpoints>(), FreePort.IsFree, FreePort.Next);
        }
        catch (PortInUseException ex)
        {
            await Console.Error.WriteLineAsync($"pipelet: {ex.Message}");
            return 1;
        }

        Directory.CreateDirectory(_builder.DataDirectory);
        logger.Info($"Data folder: {_builder.DataDirectory}");
        var context = new ResourceContext(logger, _builder.DataDirectory, stopping.Token);
        var started = Stopwatch.StartNew();
        var exitCode = 0;
        string? missing = null;
        try
        {
            await StartAllAsync(context, stopping.Token);
            logger.Block(ResourceTable.Render(_resources.Where(r => r.IsShownInTable)
                .Select(r => new ResourceTable.Row(r.Name, ResourceTable.TypeOf(r), r.State.ToString(), [.. r.DisplayUrls()]))
                .ToList()));
            logger.Info($"All resources are up in {started.Elapsed.TotalSeconds:0.0} s. Press Ctrl+C to stop.");
            WatchServers(logger, stopping.Token);
            await Task.Delay(Timeout.Infinite, stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (MissingPrerequisiteException ex)
        {
            missing = ex.Message;
            exitCode = 1;
        }
        catch (StartFailedException ex)
        {
            logger.Alert(ex.Message);
            exitCode = 1;
        }

        await StopAllAsync(logger);
        // Last, so that it is the line a person reads: what to install and how.
        if (missing is not null) await Console.Error.WriteLineAsync($"pipelet: {missing}");
        return exitCode;
    }

    private async Task StartAllAsync(ResourceContext context, CancellationToken stopping)
    {
        var sinceStart = Stopwatch.StartNew();
        var ready = _resources.ToDictionary(r => r, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var starts = _resources.Select(r => StartWhenReadyAsync(r)).ToList();

        async Task StartWhenReadyAsync(Resource resource)
        {
            resource.State = ResourceState.Waiting;
            try
            {
                await Task.WhenAll(resource.WaitsFor.OfType<Resource>().Select(d => ready[d].Task)).WaitAsync(stopping);
            }
            catch (Exception) when (!stopping.IsCancellationRequested)
            {
                // What it waits for failed: that failure is the one to report.
                resource.State = ResourceState.NotStarted;
                ready[resource].TrySetCanceled(CancellationToken.None);
                return;
            }

            resource.State = ResourceState.Starting;
            if (resource.IsShownInTable) context.Logger.Info($"Starting {resource.Name}...");
            try
            {
                await resource.StartAsync(context, stopping);
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                resource.State = ResourceState.FailedToStart;
                ready[resource].TrySetCanceled(CancellationToken.None);
                throw ex is MissingPrerequisiteException ? ex : new StartFailedException($"{resource.Name} failed to start: {ex.Message}", ex);
            }

            if (resource.State == ResourceState.Starting) resource.State = ResourceState.Running;
            if (resource.IsShownInTable) context.Logger.Info($"{resource.Name} is {resource.State.ToString().ToLowerInvariant()} ({sinceStart.Elapsed.TotalSeconds:0.0} s).");
            ready[resource].TrySetResult();
        }

        var all = Task.WhenAll(starts);
        // A person watching a slow start wants to know what it is waiting for.
        while (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30), stopping)) != all)
        {
            stopping.ThrowIfCancellationRequested();
            var pending = _resources.Where(r => r.IsShownInTable && !ready[r].Task.IsCompleted).Select(r => $"{r.Name} ({r.State})");
            context.Logger.Info($"Still waiting for: {string.Join(", ", pending)}");
        }

        await all;
    }

    /// <summary>Private servers are not restarted (their ports would change); their death is reported loudly.</summary>
    private void WatchServers(ResourceLogger logger, CancellationToken stopping)
    {
        foreach (var resource in _resources)
        {
            if (resource.ProcessExited is not { } exited) continue;
            _ = exited.ContinueWith(
                _ => logger.Alert($"{resource.Name} stopped unexpectedly. The services that use it will report unhealthy; restart the AppHost."),
                stopping,
                TaskContinuationOptions.NotOnCanceled,
                TaskScheduler.Default);
        }
    }

    /// <summary>Stops dependants before what they depend on, each layer at once, within the stop budget.</summary>
    private async Task StopAllAsync(ResourceLogger logger)
    {
        logger.Info("Stopping...");
        var stopwatch = Stopwatch.StartNew();
        foreach (var layer in StopOrder.Layers(_resources))
        {
            var remaining = StopBudget - TimeSpan.FromSeconds(1) - stopwatch.Elapsed;
            await Task.WhenAll(layer.Select(async resource =>
            {
                var preferred = resource is ProjectResource ? ProjectGrace : ServerGrace;
                var grace = preferred < remaining ? preferred : remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
                resource.State = ResourceState.Stopping;
                try
                {
                    await resource.StopAsync(grace);
                }
                catch (Exception ex)
                {
                    logger.Alert($"Stopping {resource.Name} failed: {ex.Message}");
                }

                resource.State = ResourceState.Stopped;
            }));
        }

        logger.Info($"Stopped in {stopwatch.Elapsed.TotalSeconds:0.0} s.");
    }
}

/// <summary>A resource could not start; the message says which and why.</summary>
public sealed class StartFailedException(string message, Exception inner) : Exception(message, inner);
