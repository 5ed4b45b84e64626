using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pipelet.AppHost;

/// <summary>Where to find things, as the AppHost prints them once every resource is healthy.</summary>
internal sealed record PublicAddresses(string RestApi, string Ocpp, string Console, string ApiKeyHint);

/// <summary>
/// Prints the public addresses and where the first API key is, then <c>All resources are up in N s</c>, once
/// every resource that runs (servers, databases, services) is healthy. Aspire itself prints the dashboard's login URL.
/// </summary>
internal sealed partial class StartupReport(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLogs,
    PublicAddresses addresses,
    ILogger<StartupReport> logger)
{
    /// <summary>
    /// Watches from Aspire's <see cref="BeforeStartEvent"/>: the host's start lasts until every resource is created,
    /// so a hosted service would start only after a resource that never becomes ready had ended it.
    /// </summary>
    public static void Subscribe(IDistributedApplicationBuilder builder) =>
        builder.Eventing.Subscribe<BeforeStartEvent>((e, cancellationToken) =>
        {
            var report = ActivatorUtilities.CreateInstance<StartupReport>(e.Services);
            _ = report.WatchAsync(e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            return Task.CompletedTask;
        });

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        var started = Process.GetCurrentProcess().StartTime;
        // Resources started only on request (Aspire's project rebuilders) are not waited for.
        var running = model.Resources.Where(r =>
            r is ProjectResource or ExecutableResource or ContainerResource or IResourceWithParent
            && !r.TryGetLastAnnotation<ExplicitStartupAnnotation>(out _));
        // A resource that fails to start is named here with the end of its log: otherwise that is only in the
        // dashboard, and the console would show nothing but a startup that never ends.
        var failed = await Task.WhenAll(running.Select(async resource =>
        {
            try
            {
                await notifications.WaitForResourceHealthyAsync(resource.Name, WaitBehavior.StopOnResourceUnavailable, stoppingToken);
                return null;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (DistributedApplicationException)
            {
                LogFailed(resource.Name, await LastLinesAsync(resource, stoppingToken));
                return resource.Name;
            }
        }));
        if (failed.Any(name => name is not null))
        {
            LogNotUp(string.Join(", ", failed.OfType<string>().Order()));
            return;
        }

        LogAddresses(addresses.RestApi, addresses.Ocpp, addresses.Console, addresses.ApiKeyHint);
        LogAllUp((DateTime.Now - started).TotalSeconds);
    }

    private async Task<string> LastLinesAsync(IResource resource, CancellationToken cancellationToken)
    {
        var last = new Queue<string>();
        await foreach (var batch in resourceLogs.GetAllAsync(resource).WithCancellation(cancellationToken))
        {
            // Without stack frames: the lines that say what went wrong come before them.
            foreach (var line in batch.Where(l => !StackFrame().IsMatch(l.Content)))
            {
                last.Enqueue(line.Content);
                if (last.Count > 5) last.Dequeue();
            }
        }

        return string.Join(Environment.NewLine, last);
    }

    /// <summary>A log line (after its timestamp) that is a frame of a .NET stack trace.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^\S*\s+at \S")]
    private static partial System.Text.RegularExpressions.Regex StackFrame();

    [LoggerMessage(Level = LogLevel.Information, Message = "REST API: {RestApi}  OCPP: {Ocpp}  Console: {Console}  API key: {ApiKeyHint}")]
    private partial void LogAddresses(string restApi, string ocpp, string console, string apiKeyHint);

    [LoggerMessage(Level = LogLevel.Information, Message = "All resources are up in {Seconds:0.0} s")]
    private partial void LogAllUp(double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} did not start. The end of its log:\n{LastLines}")]
    private partial void LogFailed(string resource, string lastLines);

    [LoggerMessage(Level = LogLevel.Error, Message = "Not every resource is up ({Failed} failed): stop with Ctrl+C, fix what their logs say and start again")]
    private partial void LogNotUp(string failed);
}
