using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace Pipelet.Client;

public static class PipeletClientExtensions
{
    /// <summary>
    /// Registers <see cref="PipeletClient"/> and each API interface on one named HttpClient that sends
    /// <paramref name="apiKey"/> to <paramref name="baseUrl"/> (the public edge, e.g. <c>https://pipelet.example.com/</c>).
    /// </summary>
    public static IServiceCollection AddPipeletClient(this IServiceCollection services, Uri baseUrl, string apiKey)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        var settings = PipeletJson.RefitSettings();
        void Configure(HttpClient http)
        {
            http.BaseAddress = baseUrl;
            http.DefaultRequestHeaders.Add(PipeletClient.ApiKeyHeader, apiKey);
        }

        services.AddRefitClient<IWebhooksApi>(settings).ConfigureHttpClient(Configure);
        services.AddRefitClient<IApiKeysApi>(settings).ConfigureHttpClient(Configure);
        services.AddRefitClient<IStationsApi>(settings).ConfigureHttpClient(Configure);
        services.AddRefitClient<IDeliveriesApi>(settings).ConfigureHttpClient(Configure);
        services.AddTransient<PipeletClient>();
        return services;
    }

    /// <inheritdoc cref="AddPipeletClient(IServiceCollection, Uri, string)"/>
    public static IServiceCollection AddPipeletClient(this IServiceCollection services, string baseUrl, string apiKey) =>
        services.AddPipeletClient(new Uri(baseUrl), apiKey);
}
