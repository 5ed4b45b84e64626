using Microsoft.OpenApi;
using Pipelet.ServiceDefaults.OpenApi;
using Pipelet.Subscriptions.Edge;

namespace Pipelet.Subscriptions.OpenApi;

/// <summary>
/// <c>/openapi/v1.json</c> on the edge: the whole public API at one base URL. This service's own endpoints
/// are generated (with the conventions every service's document shares, <see cref="PublicApiDocument"/>);
/// the ones it forwards are taken from the gateway's and dispatcher's own documents as last read
/// (<see cref="UpstreamRoutes"/>), with their schemas, so each is described once, where it is served.
/// </summary>
internal static class EdgeApiDocument
{
    public static IHostApplicationBuilder AddEdgeApiDocument(this IHostApplicationBuilder builder) =>
        builder.AddPublicApiDocument(options => options
        // A Secret is a plain string on the wire (its converter says so; the schema generator cannot see that).
        .AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(Pipelet.Contracts.Subscriptions.Secret)) schema.Type = JsonSchemaType.String;
            return Task.CompletedTask;
        })
        .AddDocumentTransformer((document, context, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Pipelet API",
                Version = "v1",
                Description = "OCPP events as webhooks. Every call carries X-API-Key. Errors are RFC 7807 problem details.",
            };
            foreach (var upstream in context.ApplicationServices.GetRequiredService<UpstreamRoutes>().Documents)
            {
                AddForwarded(document, upstream);
            }

            return Task.CompletedTask;
        }));

    private static void AddForwarded(OpenApiDocument document, UpstreamDocument upstream)
    {
        document.Paths ??= new OpenApiPaths();
        foreach (var (path, method, operation) in upstream.Operations())
        {
            if (!document.Paths.TryGetValue(path, out var item))
            {
                item = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation>() };
                document.Paths[path] = item;
            }

            // Our own operation wins, as our own endpoint does in routing.
            ((OpenApiPathItem)item).Operations!.TryAdd(method, operation);
        }

        // The schemas and tags the forwarded operations refer to. Same name, same type: the first one stays.
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, schema) in upstream.Document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            document.Components.Schemas.TryAdd(name, schema);
        }

        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var tag in upstream.Document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (!document.Tags.Any(t => t.Name == tag.Name)) document.Tags.Add(tag);
        }
    }
}
