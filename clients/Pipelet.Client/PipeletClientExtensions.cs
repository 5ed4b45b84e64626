using Microsoft.Extensions.DependencyInjection;

namespace Pipelet.Client;

public static class PipeletClientExtensions
{
    /// <summary>The named HttpClient every API interface of <see cref="AddPipeletClient(IServiceCollection, Uri, string)"/> shares.</summary>
    public const string HttpClientName = "Pipelet";

    /// <summary>
    /// Registers <see cref="PipeletClient"/> and each API interface on one named HttpClient (<see cref="HttpClientName"/>) that
    /// sends <paramref name="apiKey"/> to <paramref name="baseUrl"/> (the public edge, e.g. <c>https://pipelet.example.com/</c>).
    /// </summary>
    public static IServiceCollection AddPipeletClient(this IServiceCollection services, Uri baseUrl, string apiKey)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        services.AddHttpClient(HttpClientName, http =>
        {
            http.BaseAddress = baseUrl;
            http.DefaultRequestHeaders.Add(PipeletClient.ApiKeyHeader, apiKey);
        });

        // The interfaces' generated implementations, as PipeletClient.Create makes them: Refit's AddRefitClient would need its
        // reflection request builder (the Refit.Reflection package) instead.
        services.AddTransient(provider => PipeletClient.Create(provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName)));
        services.AddTransient(provider => provider.GetRequiredService<PipeletClient>().Webhooks);
        services.AddTransient(provider => provider.GetRequiredService<PipeletClient>().ApiKeys);
        services.AddTransient(provider => provider.GetRequiredService<PipeletClient>().Stations);
        services.AddTransient(provider => provider.GetRequiredService<PipeletClient>().Deliveries);
        return services;
    }

    /// <inheritdoc cref="AddPipeletClient(IServiceCollection, Uri, string)"/>
    public static IServiceCollection AddPipeletClient(this IServiceCollection services, string baseUrl, string apiKey) =>
        services.AddPipeletClient(new Uri(baseUrl), apiKey);
}
