using System.Diagnostics;
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
    PublicAddresses addresses,
    ILogger<StartupReport> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = Process.GetCurrentProcess().StartTime;
        // Resources started only on request (Aspire's project rebuilders) are not waited for.
        var running = model.Resources.Where(r =>
            r is ProjectResource or ExecutableResource or ContainerResource or IResourceWithParent
            && !r.TryGetLastAnnotation<ExplicitStartupAnnotation>(out _));
        await Task.WhenAll(running.Select(r => notifications.WaitForResourceHealthyAsync(r.Name, stoppingToken)));
        LogAddresses(addresses.RestApi, addresses.Ocpp, addresses.Console, addresses.ApiKeyHint);
        LogAllUp((DateTime.Now - started).TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "REST API: {RestApi}  OCPP: {Ocpp}  Console: {Console}  API key: {ApiKeyHint}")]
    private partial void LogAddresses(string restApi, string ocpp, string console, string apiKeyHint);

    [LoggerMessage(Level = LogLevel.Information, Message = "All resources are up in {Seconds:0.0} s")]
    private partial void LogAllUp(double seconds);
}
