using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Aspire service-defaults contract, built on the packages our feed has: telemetry over OTLP,
/// health endpoints, and HttpClient defaults. Keeping the names and meaning of Aspire's template
/// lets the real Aspire packages replace this file later without touching the services.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    private const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddQuietLoggingDefaults();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // A deadline for every client; clients set a shorter one of their own (webhook sends: 10 s).
            // No retries by default: internal clients opt in with AddInternalResilience(), and webhook
            // sends must never be retried here (their retries are the dispatcher's ladder).
            http.ConfigureHttpClient(client => client.Timeout = InternalResilience.TotalTimeout);
        });

        return builder;
    }

    /// <summary>
    /// Npgsql logs every command at Information, once per query and per health probe. These defaults sit
    /// below every other configuration source, so appsettings or <c>Logging__LogLevel__*</c> still win.
    /// </summary>
    public static TBuilder AddQuietLoggingDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Npgsql.Command"] = "Warning",
            },
        });
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c>: ready, every registered check passes (its dependencies answer).
    /// <c>/alive</c>: live, only the checks tagged "live" (the process is responsive).
    /// Mapped in every environment because Kubernetes probes use them in production.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
        });
        return app;
    }
}
