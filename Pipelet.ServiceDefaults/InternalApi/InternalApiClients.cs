using System.Net.Http.Headers;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Refit;

namespace Pipelet.ServiceDefaults.InternalApi;

/// <summary>
/// Typed (Refit) clients of the subscription service's internal API (<c>services__subscriptions__internal__0</c>),
/// each call carrying this service's <c>InternalApi__Key</c> as a bearer token, with the internal resilience.
/// </summary>
public static class InternalApiClients
{
    public const string ServiceName = "subscriptions";
    public const string EndpointName = "internal";

    /// <summary>Whether the subscription service's internal address is configured.</summary>
    public static bool HasSubscriptionsAddress(IConfiguration configuration) =>
        configuration.TryGetServiceUri(ServiceName, EndpointName, out _);

    /// <summary>
    /// Registers <typeparamref name="TApi"/> as a Refit client of the internal API, JSON through
    /// <paramref name="json"/>. The address, and outside Development the key, are checked at start.
    /// </summary>
    public static IHttpClientBuilder AddSubscriptionsInternalClient<TApi>(this IHostApplicationBuilder builder, JsonSerializerContext json)
        where TApi : class
    {
        builder.AddInternalApiCredentials();
        return builder.Services.AddRefitGeneratedClient<TApi>(json)
            .ConfigureHttpClient((services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<InternalApiOptions>>().Value.SubscriptionsAddress)
            .AddHttpMessageHandler<InternalApiKeyHandler>()
            // A call that could not connect (the subscription service restarting) is retried quickly.
            .AddInternalClientDefaults();
    }

    private static void AddInternalApiCredentials(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(InternalApiKeyHandler))) return;
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<InternalApiOptions>()
            .BindConfiguration(InternalApiOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
                options.SubscriptionsAddress ??= configuration.TryGetServiceUri(ServiceName, EndpointName, out var address) ? address : null)
            // Checked at start: a service without them would otherwise fail every call it makes.
            .Validate(o => o.SubscriptionsAddress is not null,
                $"The subscription service's internal address is missing: set services__{ServiceName}__{EndpointName}__0 " +
                "(the AppHost does this for you). This service calls it to check API keys and read webhooks.")
            .Validate(o => o.Key is null ? development : InternalApiOptions.IsStrongEnough(o.Key),
                $"InternalApi:Key is missing or shorter than {InternalApiOptions.MinimumKeyLength} printable characters: set InternalApi__Key to the key " +
                "the subscription service knows this service by (its InternalApi__CallerKeys__<this service>; the AppHost generates both).")
            .ValidateOnStart();
        builder.Services.AddTransient<InternalApiKeyHandler>();
    }
}

/// <summary>Adds <c>Authorization: Bearer {InternalApi:Key}</c> to every call (nothing in Development without a key).</summary>
internal sealed class InternalApiKeyHandler(IOptions<InternalApiOptions> options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (options.Value.Key is { } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(InternalCallerAuthentication.SchemeName, key);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
