using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipelet.ServiceDefaults.ApiKeys;

namespace Pipelet.Testing;

/// <summary>
/// The subscription service's key check (<c>POST /internal/v1/api-keys/verify</c>) answering from a fixed
/// table, so a service under test runs its real <c>X-API-Key</c> path without the subscription service. Like the real
/// one it answers only a caller presenting the gateway's or the dispatcher's <see cref="InternalApiKeys"/>.
/// </summary>
public static class ApiKeyCheckEndpoint
{
    public const string Path = "/internal/v1/api-keys/verify";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static IEndpointConventionBuilder MapApiKeyCheck(this IEndpointRouteBuilder app, IReadOnlyDictionary<string, ApiKeyIdentity> keys) =>
        app.MapPost(Path, async (HttpRequest request) =>
        {
            if (!InternalApiKeys.Carries(request, InternalApiKeys.Gateway, InternalApiKeys.Dispatcher)) return Results.Unauthorized();
            using var body = await JsonDocument.ParseAsync(request.Body);
            return body.RootElement.TryGetProperty("key", out var key) && key.GetString() is { } value && keys.TryGetValue(value, out var identity)
                ? Results.Json(identity, Json)
                : Results.NotFound();
        });
}
