using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Pipelet.ServiceDefaults.OpenApi;
using Refit;
using Yarp.ReverseProxy.Configuration;

namespace Pipelet.Subscriptions.Edge;

/// <summary>A service's description of the public endpoints it serves.</summary>
public interface IApiDescriptionApi
{
    [Get("/openapi/v1.json")]
    Task<string> GetDocumentAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Reads each upstream's OpenAPI document at start (retrying until it answers) and then every
/// <c>Edge__RoutesRefresh</c>, and turns every operation in it into a YARP route to that upstream, with the
/// operation's scope as the route's authorization policy. The documents also complete the edge's own
/// <c>/openapi/v1.json</c> (<see cref="OpenApi.EdgeApiDocument"/>). Until an upstream's document has been
/// read once, its routes are unknown here and answer 404.
/// </summary>
internal sealed partial class UpstreamRoutes(
    InMemoryConfigProvider proxy,
    IServiceProvider services,
    IOptions<EdgeOptions> options,
    TimeProvider time,
    ILogger<UpstreamRoutes> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, UpstreamDocument> _documents = new(StringComparer.Ordinal);

    /// <summary>The documents read so far, by upstream.</summary>
    public IReadOnlyList<UpstreamDocument> Documents
    {
        get
        {
            lock (_gate) return [.. _documents.Values];
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Upstream.All.Select(upstream => FollowAsync(upstream, stoppingToken)));

    private async Task FollowAsync(Upstream upstream, CancellationToken stoppingToken)
    {
        var api = services.GetRequiredKeyedService<IApiDescriptionApi>(upstream.Name);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var text = await api.GetDocumentAsync(stoppingToken);
                var document = OpenApiDocument.Parse(text, "json").Document
                    ?? throw new InvalidOperationException("The answer is not an OpenAPI document.");
                Update(new UpstreamDocument(upstream, document, text));
                failures = 0;
                await Task.Delay(options.Value.RoutesRefresh, time, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                LogReadFailed(logger, upstream.Name, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, failures)), time, stoppingToken); // the upstream is starting: soon
            }
        }
    }

    private void Update(UpstreamDocument read)
    {
        lock (_gate)
        {
            // The same text as last time: nothing to change (and no routing table rebuilt every minute).
            if (_documents.TryGetValue(read.Upstream.Name, out var known) && known.Text == read.Text) return;
            _documents[read.Upstream.Name] = read;
            var routes = _documents.Values.SelectMany(d => d.Routes()).ToList();
            proxy.Update(routes, [.. Upstream.All.Select(u => u.Cluster())]);
            LogRoutes(logger, read.Upstream.Name, read.Routes().Count());
        }
    }

    [LoggerMessage(LogLevel.Information, "Forwarding {Count} operations to {Upstream}, as its OpenAPI document describes them")]
    private static partial void LogRoutes(ILogger logger, string upstream, int count);

    [LoggerMessage(LogLevel.Warning, "Could not read the OpenAPI document of {Upstream}: {Message}; retrying")]
    private static partial void LogReadFailed(ILogger logger, string upstream, string message);
}

/// <summary>One upstream's OpenAPI document, as read.</summary>
internal sealed record UpstreamDocument(Upstream Upstream, OpenApiDocument Document, string Text)
{
    /// <summary>
    /// Every operation of the public API (under <c>/api/</c>; nothing else is forwarded, whatever a document
    /// says), by its path as the edge publishes it (no trailing slash) and method.
    /// </summary>
    public IEnumerable<(string Path, HttpMethod Method, OpenApiOperation Operation)> Operations() =>
        from path in Document.Paths ?? []
        where path.Key.StartsWith("/api/", StringComparison.Ordinal)
        from operation in path.Value.Operations ?? []
        select (PublicPath(path.Key), operation.Key, operation.Value);

    public IEnumerable<RouteConfig> Routes() =>
        Operations().Select(o => new RouteConfig
        {
            RouteId = $"{Upstream.Name} {o.Method} {o.Path}",
            ClusterId = Upstream.Name,
            Match = new RouteMatch { Path = o.Path, Methods = [o.Method.Method] },
            // No scope in the document (the upstream takes no key): a valid key is still required here.
            AuthorizationPolicy = PublicApiDocument.ScopeOf(o.Operation) ?? "default",
            // Our own endpoints win should an upstream ever describe one of them.
            Order = 1,
        });

    private static string PublicPath(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}
