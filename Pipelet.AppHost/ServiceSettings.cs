using System.Collections;
using Microsoft.Extensions.Configuration;

namespace Pipelet.AppHost;

/// <summary>
/// What of the AppHost's own configuration reaches a service: the sections it reads, nothing else. Aspire's
/// executables inherit the AppHost's environment, so settings meant for another service (a bootstrap key, an
/// admin connection string) are set empty in this one's.
/// </summary>
internal static class ServiceSettings
{
    /// <summary>Sections of the AppHost's configuration that are some service's settings.</summary>
    private static readonly string[] ServiceSections = ["Api", "Webhooks", "Delivery", "Gateway", "Console", "ConnectionStrings", "AppHost", "Parameters"];

    /// <summary>
    /// When running: webhook URLs on private networks allowed for the services that send webhooks (local development
    /// only), then each setting under
    /// <paramref name="sections"/> (<c>Delivery</c>, <c>Api:RateLimit</c>) as an environment variable. Published,
    /// none of it: the machine publishing may hold settings (keys) that must not end up in a manifest.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithLocalDevelopmentSettings(this IResourceBuilder<ProjectResource> project, params string[] sections)
    {
        if (!project.ApplicationBuilder.ExecutionContext.IsRunMode) return project;
        if (sections.Contains("Delivery")) project.WithEnvironment("Delivery__AllowPrivateNetworks", "true");
        var configuration = project.ApplicationBuilder.Configuration;
        foreach (var section in sections)
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
            {
                if (value is not null) project.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return project;
    }

    /// <summary>
    /// Sets empty every inherited variable of a service section that nothing above gave this project. Call it
    /// after everything else the project is given.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithoutOtherSettings(this IResourceBuilder<ProjectResource> project) =>
        project.WithEnvironment(context =>
        {
            if (context.ExecutionContext.IsPublishMode) return;
            foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>())
            {
                var section = key.Split("__")[0];
                if (ServiceSections.Contains(section, StringComparer.OrdinalIgnoreCase) && !context.EnvironmentVariables.ContainsKey(key))
                {
                    context.EnvironmentVariables[key] = "";
                }
            }
        });
}
