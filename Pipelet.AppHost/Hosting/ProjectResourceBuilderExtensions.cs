using Microsoft.Extensions.Configuration;

namespace Pipelet.AppHost.Hosting;

/// <summary>Projects and their endpoints, named as in Aspire.Hosting.</summary>
public static class ProjectResourceBuilderExtensions
{
    /// <summary>The AppHost's OpenTelemetry settings that every project gets when they are set.</summary>
    private static readonly string[] TelemetrySettings =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS"];

    /// <summary>
    /// Adds a project run from its built output. Like Aspire, it gets <c>OTEL_SERVICE_NAME</c>, the
    /// AppHost's OTLP settings when set, and the AppHost's environment name (Development by default).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        var configuration = builder.Configuration;
        var environmentName = configuration["DOTNET_ENVIRONMENT"] ?? configuration["ASPNETCORE_ENVIRONMENT"] ?? "Development";
        var project = builder.AddResource(new ProjectResource(name, new TProject()))
            .WithEnvironment("OTEL_SERVICE_NAME", name)
            .WithEnvironment("DOTNET_ENVIRONMENT", environmentName)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", environmentName)
            // One line per log entry reads better once the lines of several services interleave.
            .WithEnvironment("Logging__Console__FormatterName", "simple")
            .WithEnvironment("Logging__Console__FormatterOptions__SingleLine", "true");
        foreach (var setting in TelemetrySettings)
        {
            project.WithEnvironment(setting, configuration[setting] is { Length: > 0 } value ? value : null);
        }

        return project;
    }

    /// <summary>
    /// An HTTP endpoint on <paramref name="port"/>, or on a free port; <paramref name="env"/> names a
    /// variable that tells the project its port. All endpoints together form <c>ASPNETCORE_URLS</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithHttpEndpoint(
        this IResourceBuilder<ProjectResource> builder, int? port = null, string? name = null, string? env = null)
    {
        builder.Resource.AddEndpoint(new EndpointAnnotation(name ?? "http", port, env));
        return builder;
    }

    public static EndpointReference GetEndpoint<T>(this IResourceBuilder<T> builder, string name)
        where T : IResourceWithEndpoints => new(builder.Resource, name);

    /// <summary>The project counts as healthy once <paramref name="path"/> answers 2xx on the endpoint.</summary>
    public static IResourceBuilder<ProjectResource> WithHttpHealthCheck(
        this IResourceBuilder<ProjectResource> builder, string path = "/health", string? endpointName = null)
    {
        builder.Resource.HealthCheckPath = path;
        builder.Resource.HealthCheckEndpointName = endpointName ?? "http";
        return builder;
    }
}
