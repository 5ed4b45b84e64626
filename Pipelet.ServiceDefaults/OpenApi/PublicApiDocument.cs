using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Pipelet.ServiceDefaults.ApiKeys;

namespace Pipelet.ServiceDefaults.OpenApi;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) of a service serving part of the public API: the
/// <c>X-API-Key</c> scheme, each operation's scope as its security requirement (read from the endpoint's
/// <c>RequireAuthorization(scope)</c>, so it is written once), and the problem answers every call can get.
/// The public edge reads the gateway's and dispatcher's documents to learn what it forwards.
/// </summary>
public static class PublicApiDocument
{
    public const string SecuritySchemeName = "ApiKey";

    public static IHostApplicationBuilder AddPublicApiDocument(this IHostApplicationBuilder builder, Action<OpenApiOptions>? configure = null)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyAuthenticationHandler.HeaderName,
                    Description = $"An API key, hcpms_live_<random>. Scopes: {string.Join(", ", ApiScopes.All)}.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, document)] = [] });
                return Task.CompletedTask;
            });

            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAuthorizeData>().Select(a => a.Policy).FirstOrDefault(p => p is not null && ApiScopes.IsKnown(p)) is { } scope)
                {
                    operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [scope] }];
                }

                AddCommonResponses(operation);
                return Task.CompletedTask;
            });

            configure?.Invoke(options);
        });
        return builder;
    }

    /// <summary>The scope an operation of such a document requires, if any.</summary>
    public static string? ScopeOf(OpenApiOperation operation) =>
        operation.Security?.SelectMany(requirement => requirement.Values).SelectMany(scopes => scopes).FirstOrDefault(ApiScopes.IsKnown);

    /// <summary>The answers any authenticated call can get besides its own.</summary>
    public static void AddCommonResponses(OpenApiOperation operation)
    {
        operation.Responses ??= new OpenApiResponses();
        Add(StatusCodes.Status401Unauthorized, "Missing or invalid X-API-Key (problem details).");
        Add(StatusCodes.Status403Forbidden, "The key lacks the scope this operation needs (problem details).");
        Add(StatusCodes.Status429TooManyRequests, "Over the key's rate limit; see Retry-After (problem details).");

        void Add(int status, string description) =>
            operation.Responses.TryAdd(status.ToString(CultureInfo.InvariantCulture), new OpenApiResponse { Description = description });
    }
}
