using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipelet.ServiceDefaults.InternalApi;

namespace Pipelet.ServiceDefaults.ApiKeys;

public static class ApiKeyAuthentication
{
    /// <summary>
    /// <c>X-API-Key</c> authentication and one authorization policy per scope (named as the scope).
    /// Keys are checked by the subscription service's internal API (<see cref="IApiKeyCheckApi"/>),
    /// unless the host registered its own <see cref="IApiKeyVerifier"/> first. Also registers the per-key
    /// rate limiter (<c>Api__RateLimit__*</c>). A service runs all three with <see cref="ApiKeyRateLimiting.UseApiKeyPipeline"/>.
    /// </summary>
    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddMemoryCache();
        if (!builder.Services.Any(d => d.ServiceType == typeof(IApiKeyVerifier)))
        {
            // A request waits for its key check: give up (503) after 5 s rather than the default 30.
            builder.AddSubscriptionsInternalClient<IApiKeyCheckApi>(ApiKeysJson.Default)
                .ConfigureHttpClient(http => http.Timeout = TimeSpan.FromSeconds(5));
            builder.Services.AddTransient<IApiKeyVerifier, RemoteApiKeyVerifier>();
        }

        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddApiScopePolicies();
        builder.Services.AddApiKeyRateLimiter();
        return builder;
    }

    private static Microsoft.AspNetCore.Authorization.AuthorizationBuilder AddApiScopePolicies(this Microsoft.AspNetCore.Authorization.AuthorizationBuilder authorization)
    {
        foreach (var scope in ApiScopes.All)
        {
            authorization.AddPolicy(scope, p => p.RequireAuthenticatedUser().RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, scope));
        }

        return authorization;
    }
}
