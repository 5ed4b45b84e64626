using Pipelet.LocalServers;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// The real gateway, run from its build output for the end-to-end benchmark (its code belongs to the
/// gateway; this only starts it). OCPP at <c>ws://127.0.0.1:{port}/ocpp/{stationId}</c>.
/// </summary>
public static class GatewayProcess
{
    /// <param name="subscriptions">Only for API-key checks, which the benchmark does not make.</param>
    public static Task<ServiceProcess> StartAsync(string rabbitMq, string database, Uri subscriptions)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__rabbitmq"] = rabbitMq,
            ["ConnectionStrings__gatewaydb"] = database,
            ["services__subscriptions__internal__0"] = subscriptions.ToString(),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Warning",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        return ServiceProcess.StartAsync("gateway", ServiceProcess.BuildOutput("Pipelet.Gateway"), new Uri($"http://127.0.0.1:{port}/"), environment);
    }
}
