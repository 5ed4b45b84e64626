using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Pipelet.ServiceDefaults.ApiKeys;

public static class ApiKeyAuthentication
{
    /// <summary>
    /// <c>X-API-Key</c> authentication and one authorization policy per scope (named as the scope).
    /// Keys are checked by the subscription service at <c>services__subscriptions__internal__0</c>,
    /// unless the host registered its own <see cref="IApiKeyVerifier"/> first. Also registers the per-key
    /// rate limiter (<c>Api__RateLimit__*</c>), which a service turns on with
    /// <see cref="ApiKeyRateLimiting.UseApiKeyRateLimiting"/> after <c>UseAuthentication()</c>.
    /// </summary>
    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddMemoryCache();
        if (!builder.Services.Any(d => d.ServiceType == typeof(IApiKeyVerifier)))
        {
            // Checked at start: a service without the address would otherwise answer every request with a 500.
            builder.Services.AddOptions<ApiKeyVerificationOptions>()
                .Configure<IConfiguration>(ApiKeyVerificationOptions.Bind)
                .Validate(o => o.SubscriptionsAddress is not null, ApiKeyVerificationOptions.MissingAddress)
                .ValidateOnStart();
            builder.Services.AddHttpClient<IApiKeyVerifier, RemoteApiKeyVerifier>((services, http) =>
            {
                var baseUri = services.GetRequiredService<IOptions<ApiKeyVerificationOptions>>().Value.SubscriptionsAddress!;
                http.BaseAddress = new Uri(baseUri.ToString().TrimEnd('/') + "/");
                http.Timeout = TimeSpan.FromSeconds(5);
            })
            // A key check that could not connect (the subscription service restarting) is retried quickly.
            .AddInternalClientDefaults();
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
