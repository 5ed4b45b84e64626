using Pipelet.LocalServers;

namespace Pipelet.Testing;

/// <summary>
/// The real gateway, run from its build output as the AppHost runs it, with its own runtime settings (the
/// workstation GC it is measured with), on a free loopback port and without API keys:
/// OCPP at <see cref="OcppUrl"/><c>/{stationId}</c>. A test project that uses it references the gateway's
/// project with <c>ReferenceOutputAssembly="false"</c>, so that it is built first.
/// </summary>
public static class GatewayProcess
{
    public static Task<ServiceProcess> StartAsync(string rabbitMq, string database, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__rabbitmq"] = rabbitMq,
            ["ConnectionStrings__gatewaydb"] = database,
            ["Gateway__RequireApiKey"] = "false",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) environment[key] = value;
        return ServiceProcess.StartAsync("gateway", ServiceBuild.OutputOf("Pipelet.Gateway"), new Uri($"http://127.0.0.1:{port}/"), environment);
    }

    /// <summary>Where stations connect: <c>ws://127.0.0.1:{port}/ocpp</c>.</summary>
    public static Uri OcppUrl(this ServiceProcess gateway) => new($"ws://{gateway.BaseUri.Authority}/ocpp");
}
