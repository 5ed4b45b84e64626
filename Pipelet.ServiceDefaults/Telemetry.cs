using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Traces, metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, named by
/// <c>OTEL_SERVICE_NAME</c>. OpenTelemetry.Extensions.Hosting is not in our feed, so the providers are
/// built here and owned by the host: created at start, flushed at stop, disposed with the container.
/// The exporters read the standard <c>OTEL_*</c> settings from the host's configuration (environment,
/// command line, appsettings), not from environment variables alone.
/// </summary>
public static class Telemetry
{
    /// <summary>Activity sources we listen to: the frameworks' own names and everything of ours.</summary>
    public static readonly string[] Sources =
    [
        "Microsoft.AspNetCore",
        "System.Net.Http",
        "MassTransit",
        "Npgsql",
        "Yarp.ReverseProxy",
        "Pipelet.*",
    ];

    /// <summary>Meters we export (wildcards as OpenTelemetry's <c>AddMeter</c> understands them).</summary>
    public static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.*",
        "System.Net.*",
        "System.Runtime",
        "MassTransit",
        "Npgsql",
        "Pipelet.*",
    ];

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        var serviceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : builder.Environment.ApplicationName;
        var serviceVersion = typeof(Telemetry).Assembly.GetName().Version?.ToString();
        void Describe(ResourceBuilder resource) => resource.AddService(serviceName, serviceVersion: serviceVersion);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName, serviceVersion: serviceVersion));
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.AddOtlpExporter();
        });

        builder.Services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder()
            .ConfigureServices(services => services.AddSingleton<IConfiguration>(configuration))
            .ConfigureResource(Describe)
            .AddSource(Sources)
            .AddOtlpExporter()
            .Build());

        builder.Services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder()
            .ConfigureServices(services => services.AddSingleton<IConfiguration>(configuration))
            .ConfigureResource(Describe)
            .AddMeter(Meters)
            .AddOtlpExporter()
            .Build());

        builder.Services.AddHostedService<TelemetryLifetime>();
        builder.Services.AddTransient<IStartupFilter, RequestTracing>();
        return builder;
    }

    /// <summary>Creates the providers with the host and flushes them when it stops.</summary>
    private sealed class TelemetryLifetime(TracerProvider tracing, MeterProvider metrics) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            tracing.ForceFlush(2000);
            metrics.ForceFlush(2000);
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// OpenTelemetry.Instrumentation.AspNetCore is not in our feed, and ASP.NET Core's own request
    /// activity carries no HTTP attributes. This first middleware adds the semantic-convention ones
    /// (method, path, route, status) and names the span "GET /route". Health probes arrive every few
    /// seconds from the AppHost or Kubernetes; their spans would drown the real ones, so they are
    /// unmarked as recorded, which keeps them out of the export.
    /// </summary>
    private sealed class RequestTracing : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                var activity = Activity.Current;
                if (activity is null || activity.Source.Name != "Microsoft.AspNetCore")
                {
                    await nextMiddleware(context);
                    return;
                }

                var request = context.Request;
                if (IsProbe(request.Path))
                {
                    activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                    activity.IsAllDataRequested = false;
                    await nextMiddleware(context);
                    return;
                }

                activity.SetTag("http.request.method", request.Method);
                activity.SetTag("url.scheme", request.Scheme);
                activity.SetTag("url.path", request.Path.Value);
                activity.SetTag("server.address", request.Host.Host);
                activity.SetTag("server.port", request.Host.Port);
                activity.SetTag("network.protocol.version", request.Protocol);
                try
                {
                    await nextMiddleware(context);
                }
                finally
                {
                    var status = context.Response.StatusCode;
                    activity.SetTag("http.response.status_code", status);
                    var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
                    if (route is not null) activity.SetTag("http.route", route);
                    activity.DisplayName = route is null ? request.Method : $"{request.Method} {route}";
                    if (status >= 500) activity.SetStatus(ActivityStatusCode.Error);
                }
            });
            next(app);
        };

        private static bool IsProbe(PathString path) =>
            path.StartsWithSegments(Extensions.HealthEndpointPath) || path.StartsWithSegments(Extensions.AlivenessEndpointPath);
    }
}
