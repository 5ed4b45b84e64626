using Refit;
using Pipelet.Subscriptions.Extensions;
using Yarp.ReverseProxy.Configuration;

namespace Pipelet.Subscriptions.Edge;

/// <summary>
/// This service is the public front door (:8080): the routes it does not serve itself are forwarded by
/// YARP to the service that does. Which routes those are, and the scope each needs, the edge learns from
/// the services' own OpenAPI documents (<see cref="UpstreamRoutes"/>), so they are written once, where they
/// are served. Addresses come from service discovery (<c>services__gateway__http__0</c>,
/// <c>services__dispatcher__http__0</c>). The edge requires a valid <c>X-API-Key</c> with the route's scope
/// and counts the call against the key's rate limit; the upstream checks the key (which travels with the
/// request) again.
/// </summary>
internal static class EdgeForwarding
{
    public static IHostApplicationBuilder AddEdgeForwarding(this IHostApplicationBuilder builder)
    {
        foreach (var upstream in Upstream.All)
        {
            // Checked at start, so a missing address is a clear failure rather than a 404 for its routes.
            builder.Configuration.GetRequiredServiceUri(upstream.Name);
        }

        builder.Services.AddOptions<EdgeOptions>()
            .BindConfiguration(EdgeOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddReverseProxy()
            .LoadFromMemory([], [.. Upstream.All.Select(u => u.Cluster())])
            .AddServiceDiscoveryDestinationResolver();
        foreach (var upstream in Upstream.All)
        {
            builder.Services.AddKeyedRefitGeneratedClient<IApiDescriptionApi>(upstream.Name)
                .ConfigureHttpClient(http => http.BaseAddress = upstream.Address)
                .AddInternalClientDefaults();
        }

        builder.Services.AddSingleton<UpstreamRoutes>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UpstreamRoutes>());
        return builder;
    }

    public static IEndpointRouteBuilder MapEdgeForwarding(this IEndpointRouteBuilder app)
    {
        app.MapReverseProxy();
        return app;
    }
}

/// <summary>A service behind the edge: its name in service discovery, and its YARP cluster.</summary>
internal sealed record Upstream(string Name)
{
    public static IReadOnlyList<Upstream> All { get; } = [new("gateway"), new("dispatcher")];

    /// <summary>Resolved by service discovery to every <c>services__{name}__http__N</c>.</summary>
    public Uri Address => new($"http://{Name}");

    public ClusterConfig Cluster() => new()
    {
        ClusterId = Name,
        Destinations = new Dictionary<string, DestinationConfig> { [Name] = new() { Address = Address.ToString() } },
        // Our services speak HTTP/1.1 without TLS; ask for it rather than negotiate.
        HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig
        {
            Version = System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        },
    };
}

/// <summary>Bound from <c>Edge</c> (<c>Edge__RoutesRefresh</c>).</summary>
internal sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>How often the upstreams' documents are read again, to pick up routes they added or dropped.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RoutesRefresh { get; set; } = TimeSpan.FromMinutes(1);
}
