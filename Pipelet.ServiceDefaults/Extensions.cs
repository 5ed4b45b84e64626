using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipelet.ServiceDefaults.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Aspire's service defaults (the template's Extensions.cs): OpenTelemetry, health checks, service
/// discovery and the standard resilience handler, with Pipelet's sources and meters. One departure from the
/// template: discovery and resilience are not HttpClient defaults but <see cref="AddInternalClientDefaults"/>,
/// because webhook sends must get neither (their retries are the dispatcher's ladder, and a subscriber's URL
/// must never be resolved to one of our own services).
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    private const string LiveTag = "live";

    /// <summary>Activity sources and meters of ours and of the libraries whose own integrations do not add them.</summary>
    private static readonly string[] Sources = ["Pipelet.*", "MassTransit"];

    private static readonly string[] Meters = ["Pipelet.*", "MassTransit", "RabbitMQ.Client"];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddQuietLoggingDefaults();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        return builder;
    }

    /// <summary>
    /// The template's HttpClient defaults, for a client of one of our own services: its address may be a service
    /// name (<c>http://_internal.subscriptions</c> reads <c>services__subscriptions__internal__0</c>), and transient
    /// failures are retried within a total deadline (the standard resilience handler: 30 s in all, 10 s an
    /// attempt, 3 retries, a circuit breaker). Never on webhook sends.
    /// </summary>
    public static IHttpClientBuilder AddInternalClientDefaults(this IHttpClientBuilder http)
    {
        // Also for a host that took no service defaults (AddServiceDiscovery registers once).
        http.Services.AddServiceDiscovery();
        http.AddServiceDiscovery();
        http.AddStandardResilienceHandler();
        return http;
    }

    /// <summary>
    /// Npgsql logs every command at Information, once per query and per health probe, HttpClient four lines per
    /// request (API-key checks, the edge's route refresh, the console's API calls, every webhook attempt) and the resilience handler every
    /// attempt of an internal call: together they bury the lines a user looks for (the first API key). These defaults sit below every other configuration source, so
    /// appsettings or <c>Logging__LogLevel__*</c> still win.
    /// </summary>
    public static TBuilder AddQuietLoggingDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Npgsql.Command"] = "Warning",
                ["Logging:LogLevel:Polly"] = "Warning",
                ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
            },
        });
        return builder;
    }

    /// <summary>
    /// Traces, metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (from any configuration
    /// source), named by <c>OTEL_SERVICE_NAME</c>, as the template has it. Without an exporter no provider is built
    /// and the client integrations' tracing and metrics are off: nothing listens, so the hot paths (a span per
    /// CALL, per publish, per delivery attempt, per SQL command) cost nothing when nobody collects them.
    /// <para>
    /// Traces are sampled at their root and followed downstream (parent-based): a trace is recorded whole, in every
    /// service, or not at all. New traces are started at up to <see cref="TelemetryOptions.TracesPerSecond"/> per
    /// instance (every CALL of a simulator session, a steady sample under load: recording and exporting a trace for
    /// each of 10,000 CALLs a second would cost as much CPU as answering them). <c>OTEL_TRACES_SAMPLER</c> (and
    /// <c>_ARG</c>), when set, choose one of the SDK's standard samplers instead.
    /// </para>
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // Below every other source, as the logging defaults: a setting of the service's own still wins.
            builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
            {
                InitialData = new Dictionary<string, string?>
                {
                    ["Aspire:Npgsql:DisableTracing"] = "true",
                    ["Aspire:Npgsql:DisableMetrics"] = "true",
                    ["Aspire:RabbitMQ:Client:DisableTracing"] = "true",
                },
            });
            return builder;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(Meters))
            .WithTracing(tracing => tracing
                .SetTraceSampling(builder)
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(Sources)
                // Probes arrive every few seconds from the AppHost or Kubernetes; their spans would drown the real ones.
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation());

        builder.Services.AddOpenTelemetry().UseOtlpExporter();
        return builder;
    }

    /// <summary>The SDK's sampler when <c>OTEL_TRACES_SAMPLER</c> names one; else parent-based, new traces up to a rate.</summary>
    private static TracerProviderBuilder SetTraceSampling(this TracerProviderBuilder tracing, IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section);
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_TRACES_SAMPLER"])) return tracing;
        return tracing.SetSampler(services => new ParentBasedSampler(
            new TracesPerSecondSampler(services.GetRequiredService<IOptions<TelemetryOptions>>().Value.TracesPerSecond)));
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath) || path.StartsWithSegments(AlivenessEndpointPath);

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c>: ready, every registered check passes (its dependencies answer).
    /// <c>/alive</c>: live, only the checks tagged "live" (the process is responsive).
    /// Mapped in every environment, unlike the template: Kubernetes probes use them in production.
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
