using Microsoft.Extensions.Options;
using Pipelet.Client;
using Pipelet.Console.Session;

namespace Pipelet.Console.Api;

/// <summary>The typed Pipelet client, one per circuit (or request), sending that user's key.</summary>
internal static class ConsoleApi
{
    private const string HttpClientName = "pipelet-api";

    public static IServiceCollection AddConsoleApi(this IServiceCollection services)
    {
        services.AddHttpClient(HttpClientName);
        services.AddScoped<KeySession>();
        // AddPipeletClient fixes one key for the process; here every user has their own, so each scope gets a client
        // of its own over the factory's shared handlers, with the key added per request.
        services.AddScoped(provider =>
        {
            var handler = new ApiKeyHandler(provider.GetRequiredService<KeySession>())
            {
                InnerHandler = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(HttpClientName),
            };
            var http = new HttpClient(handler)
            {
                BaseAddress = provider.GetRequiredService<IOptions<ConsoleOptions>>().Value.ApiUrl,
                Timeout = Timeout.InfiniteTimeSpan, // ApiKeyHandler.Timeout turns a late answer into a problem
            };
            return PipeletClient.Create(http);
        });
        return services;
    }
}

/// <summary>The <c>Console</c> settings.</summary>
internal sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// The public edge the REST API is under (<c>http://localhost:8080/</c>, the API at <c>/api/v1</c>). Without it,
    /// the address of the <c>subscriptions</c> service that an AppHost reference gives (<c>services:subscriptions:http:0</c>).
    /// </summary>
    public Uri? ApiUrl { get; set; }
}
