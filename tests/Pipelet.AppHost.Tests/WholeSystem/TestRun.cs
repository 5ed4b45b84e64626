using Pipelet.LocalServers;
using Pipelet.Testing;

namespace Pipelet.AppHost.Tests.WholeSystem;

/// <summary>One run of the AppHost under test: free ports, a fresh data folder, a dashboard API key, a mark for its processes.</summary>
internal sealed record TestRun(string Mark, DirectoryInfo Data, int ApiPort, int OcppPort, int ConsolePort, int DashboardPort, int OtlpPort, string DashboardKey)
{
    /// <summary>The environment variable, set to <see cref="Mark"/>, in every process the AppHost starts.</summary>
    public const string MarkVariable = "PIPELET_TEST_RUN";

    public static TestRun New() => new(
        Guid.NewGuid().ToString("N"), WorkFolders.Create("pipelet-apphost-test-"),
        FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), Guid.NewGuid().ToString("N"));

    /// <summary>
    /// The AppHost through Aspire.Hosting.Testing with local servers and the dashboard on this run's ports, every
    /// resource marked. <paramref name="bootstrapKey"/> comes through the environment, as a user gives it.
    /// </summary>
    public async Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string bootstrapKey, params string[] settings)
    {
        Environment.SetEnvironmentVariable("Api__BootstrapKey", bootstrapKey);
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Pipelet_AppHost>(
                [
                    $"AppHost:ApiPort={ApiPort}", $"AppHost:OcppPort={OcppPort}", $"AppHost:ConsolePort={ConsolePort}", $"AppHost:DataDirectory={Data.FullName}",
                    "AppHost:Infrastructure=local", $"AppHost:DashboardApiKey={DashboardKey}",
                    // The dashboard and its OTLP endpoint on ports of our own, as given (the testing builder would move them).
                    $"ASPNETCORE_URLS=http://127.0.0.1:{DashboardPort}", $"ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{OtlpPort}",
                    "DcpPublisher:RandomizePorts=false",
                    .. settings,
                ],
                (options, _) =>
                {
                    options.DisableDashboard = false;
                    options.AllowUnsecuredTransport = true;
                });
            foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>())
            {
                resource.Annotations.Add(new EnvironmentCallbackAnnotation(context => context.EnvironmentVariables[MarkVariable] = Mark));
            }

            return builder;
        }
        finally
        {
            Environment.SetEnvironmentVariable("Api__BootstrapKey", null);
        }
    }

    /// <summary>Starts the app and waits until every resource is healthy.</summary>
    public static async Task StartAsync(Aspire.Hosting.DistributedApplication app)
    {
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await app.StartAsync(startup.Token);
        foreach (var name in new[] { "rabbitmq", "postgres", "gatewaydb", "subscriptionsdb", "dispatcherdb", "subscriptions", "dispatcher", "gateway", "console" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(name, startup.Token);
        }
    }

    /// <summary>
    /// Stops the app and waits for every process it started to go; kills and returns those still there after
    /// <paramref name="timeout"/>, so that even a failing run leaves no epmd or server behind.
    /// </summary>
    public async Task<IReadOnlyList<ProcessTree.Entry>> StopAndSweepAsync(Aspire.Hosting.DistributedApplication app, TimeSpan timeout, Action<string> log)
    {
        try
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        catch (Exception ex)
        {
            log($"Stopping failed: {ex}");
        }

        return await ProcessTree.SweepAsync(MarkVariable, Mark, timeout);
    }
}
