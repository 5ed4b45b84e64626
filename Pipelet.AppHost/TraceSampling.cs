namespace Pipelet.AppHost;

/// <summary>
/// Aspire tells every service to record every trace (<c>OTEL_TRACES_SAMPLER=always_on</c>). Under load that is
/// most of the system's CPU: a span pair per CALL, exported to and ingested by the dashboard on the same cores. So
/// the services keep their own sampling (the service defaults: parent-based, up to <c>Telemetry__TracesPerSecond</c>
/// new traces a second per instance), unless the AppHost itself was given <c>OTEL_TRACES_SAMPLER</c>, which the
/// services then inherit like any variable of the AppHost's environment.
/// </summary>
internal static class TraceSampling
{
    public static IResourceBuilder<ProjectResource> WithServiceTraceSampling(this IResourceBuilder<ProjectResource> project) =>
        project.WithEnvironment(context =>
        {
            if (context.ExecutionContext.IsRunMode) context.EnvironmentVariables.Remove("OTEL_TRACES_SAMPLER");
        });
}
