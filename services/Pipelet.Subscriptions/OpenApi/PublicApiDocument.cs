using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Pipelet.Subscriptions.OpenApi;

/// <summary>
/// <c>/openapi/v1.json</c>: the whole public API at one base URL, this service's own endpoints (generated)
/// plus the ones it forwards to the gateway and dispatcher (<see cref="ForwardedOperations"/>), the
/// <c>X-API-Key</c> scheme, and the problem responses every call can get.
/// </summary>
internal static class PublicApiDocument
{
    public const string SecuritySchemeName = "ApiKey";

    public static IHostApplicationBuilder AddPublicOpenApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Pipelet API",
                    Version = "v1",
                    Description = "OCPP events as webhooks. Every call carries X-API-Key. Errors are RFC 7807 problem details.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "X-API-Key",
                    Description = "An API key, hcpms_live_<random>. Scopes: webhooks:read, webhooks:write, stations:command, deliveries:read, api-keys:manage.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, document)] = [] });
                ForwardedOperations.AddTo(document);
                return Task.CompletedTask;
            });

            options.AddOperationTransformer((operation, _, _) =>
            {
                AddCommonResponses(operation);
                return Task.CompletedTask;
            });

            // A Secret is a plain string on the wire (its converter says so; the schema generator cannot see that).
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(Pipelet.Contracts.Subscriptions.Secret)) schema.Type = JsonSchemaType.String;
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary>The answers any authenticated call can get besides its own.</summary>
    internal static void AddCommonResponses(OpenApiOperation operation)
    {
        operation.Responses ??= new OpenApiResponses();
        Add(StatusCodes.Status401Unauthorized, "Missing or invalid X-API-Key (problem details).");
        Add(StatusCodes.Status403Forbidden, "The key lacks the scope this operation needs (problem details).");
        Add(StatusCodes.Status429TooManyRequests, "Over the key's rate limit; see Retry-After (problem details).");

        void Add(int status, string description) =>
            operation.Responses.TryAdd(status.ToString(CultureInfo.InvariantCulture), new OpenApiResponse { Description = description });
    }
}
