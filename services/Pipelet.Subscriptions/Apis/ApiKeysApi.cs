using Microsoft.AspNetCore.Mvc;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.Http;
using Pipelet.ServiceDefaults.OpenApi;
using Pipelet.Subscriptions.ApiKeys;
using Pipelet.Subscriptions.Http;
using Pipelet.Subscriptions.OpenApi;

namespace Pipelet.Subscriptions.Apis;

/// <summary><c>/api/v1/api-keys</c>: create (plaintext shown once), list, revoke. Needs the <c>api-keys:manage</c> scope.</summary>
internal static class ApiKeysApi
{
    private const int NameLength = 200;

    public static RouteGroupBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/api-keys").WithTags("API keys").RequireAuthorization(ApiScopes.ApiKeysManage);

        api.MapPost("", CreateApiKey)
            .WithSummary("Create an API key; the key itself is in this response only")
            .WithRequestExample(ApiExamples.CreateApiKey)
            .WithResponseExample(ApiExamples.CreatedApiKey, StatusCodes.Status201Created);

        api.MapGet("", ListApiKeys)
            .WithSummary("List API keys (name, first characters, scopes, created, last used, revoked), oldest first; next page with ?cursor={next_cursor}")
            .WithPaging(IdPages.Limits, "after")
            .WithResponseExample(ApiExamples.ApiKeyPage);

        api.MapDelete("/{id:positive-id}", RevokeApiKey)
            .WithSummary("Revoke an API key; every service refuses it within 5 seconds");

        return api;
    }

    private static async Task<Results<Created<CreatedApiKeyResponse>, ValidationProblem>> CreateApiKey(
        CreateApiKeyRequest request, ApiKeyStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(request.Name)) errors.Add("name", "The name is required.");
        else if (request.Name.Length > NameLength) errors.Add("name", $"The name must be at most {NameLength} characters.");
        else if (DisplayNames.Problem(request.Name) is { } problem) errors.Add("name", problem);

        var scopes = request.Scopes ?? ApiScopes.Default;
        if (scopes.Count == 0) errors.Add("scopes", $"At least one scope is required. Valid scopes: {string.Join(", ", ApiScopes.All)}.");
        foreach (var scope in scopes.Where(s => s is null || !ApiScopes.IsKnown(s)))
        {
            errors.Add("scopes", $"Unknown scope '{scope}'. Valid scopes: {string.Join(", ", ApiScopes.All)}.");
        }

        if (!errors.IsEmpty) return TypedResults.ValidationProblem(errors.ToDictionary());

        var (key, plaintext) = await store.CreateAsync(request.Name!, scopes.Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
        return TypedResults.Created($"/api/v1/api-keys/{key.Id}",
            new CreatedApiKeyResponse(key.Id, key.Name, plaintext, key.Prefix, key.Scopes, key.CreatedAt));
    }

    private static Task<Results<Ok<Page<ApiKeyResponse>>, ValidationProblem>> ListApiKeys(
        [FromQuery] string? limit, [FromQuery] string? cursor, [FromQuery] string? after, ApiKeyStore store, CancellationToken cancellationToken) =>
        IdPages.ReadAsync(limit, cursor, after, (idAfter, count) => store.ListAsync(idAfter, count, cancellationToken), ApiKeyResponse.From, key => key.Id);

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiKey(
        long id, ApiKeyStore store, LocalApiKeyVerifier verifier, CancellationToken cancellationToken)
    {
        var hash = await store.RevokeAsync(id, cancellationToken);
        if (hash is null) return ApiProblems.NotFound("API key", id);

        verifier.Forget(hash);
        return TypedResults.NoContent();
    }
}
