namespace Pipelet.Subscriptions.Edge;

/// <summary>
/// This service is the public front door (:8080): the routes it does not serve itself are forwarded
/// to the service that does. The edge requires a valid <c>X-API-Key</c>; the gateway and dispatcher check
/// it again with their scopes (the header travels with the request). Addresses come from <c>services__gateway__http__0</c> and
/// <c>services__dispatcher__http__0</c>.
/// </summary>
internal static class EdgeForwarding
{
    public const string Gateway = "gateway";
    public const string Dispatcher = "dispatcher";

    /// <summary>Which public paths go where (any method). None collides with this service's own routes.</summary>
    public static IReadOnlyList<(string Path, string Service)> Routes { get; } =
    [
        ("/api/v1/stations/{**rest}", Gateway),
        ("/api/v1/deliveries/{**rest}", Dispatcher),
        ("/api/v1/failed-deliveries/{**rest}", Dispatcher),
        ("/api/v1/webhooks/{id}/deliveries/{**rest}", Dispatcher),
        ("/api/v1/webhooks/{id}/recover", Dispatcher),
    ];

    public static IHostApplicationBuilder AddEdgeForwarding(this IHostApplicationBuilder builder)
    {
        var upstreams = new Dictionary<string, Uri>(StringComparer.Ordinal)
        {
            [Gateway] = builder.Configuration.GetRequiredServiceUri(Gateway),
            [Dispatcher] = builder.Configuration.GetRequiredServiceUri(Dispatcher),
        };
        builder.Services.AddSingleton(new EdgeUpstreams(upstreams));
        builder.Services.AddHttpClient<EdgeForwarder>(http => http.Timeout = EdgeForwarder.Timeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A proxy passes answers through as they are: no redirects, cookies or decompression of its own.
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            });
        return builder;
    }

    public static IEndpointRouteBuilder MapEdgeForwarding(this IEndpointRouteBuilder app)
    {
        foreach (var (path, service) in Routes)
        {
            app.Map(path, (HttpContext context, EdgeForwarder forwarder) => forwarder.ForwardAsync(context, service))
                // A valid key is checked here too (scopes are the upstream's business): a missing or revoked
                // key is refused at the door at once, and the per-key rate limit covers forwarded calls.
                .RequireAuthorization()
                .ExcludeFromDescription(); // described by ForwardedOperations instead
        }

        return app;
    }
}

/// <summary>The base address of each upstream service.</summary>
internal sealed record EdgeUpstreams(IReadOnlyDictionary<string, Uri> Addresses);
