using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Whether a referenced service's address is configured (<c>services__name__endpoint__0</c>, as Aspire injects
/// it). Clients that may run without the other service (tests, tools) ask this first; requests themselves go
/// through service discovery (<see cref="Extensions.AddInternalClientDefaults"/>).
/// </summary>
public static class ServiceAddresses
{
    /// <summary>The base address Aspire injects for a referenced service (<c>services__name__http__0</c>).</summary>
    public static bool TryGetServiceUri(this IConfiguration configuration, string serviceName, [NotNullWhen(true)] out Uri? uri)
    {
        var value = configuration[$"services:{serviceName}:http:0"] ?? configuration[$"services:{serviceName}:https:0"];
        return Uri.TryCreate(value, UriKind.Absolute, out uri);
    }

    /// <summary>The address of a named endpoint of a service (<c>services__name__endpoint__0</c>).</summary>
    public static bool TryGetServiceUri(this IConfiguration configuration, string serviceName, string endpointName, [NotNullWhen(true)] out Uri? uri) =>
        Uri.TryCreate(configuration[$"services:{serviceName}:{endpointName}:0"], UriKind.Absolute, out uri);

    public static Uri GetRequiredServiceUri(this IConfiguration configuration, string serviceName) =>
        configuration.TryGetServiceUri(serviceName, out var uri)
            ? uri
            : throw new InvalidOperationException(
                $"Address of service '{serviceName}' is missing: set services__{serviceName}__http__0 (the AppHost does this for you).");
}
