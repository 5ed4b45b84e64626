using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipelet.ServiceDefaults.InternalApi;

/// <summary>
/// The serving side of service-to-service calls: a request to the internal API must carry one of the
/// callers' keys (<c>InternalApi__CallerKeys__{caller}</c>) as a bearer token, and each endpoint names the
/// callers it serves (<see cref="RequireInternalCaller{TBuilder}"/>). A missing or unknown key is a 401,
/// a known caller at an endpoint not meant for it a 403, both as problem details.
/// </summary>
public static class InternalCallerAuthentication
{
    public const string SchemeName = "Bearer";
    public const string CallerClaim = "internal_caller";

    /// <summary>
    /// Registers the scheme. Outside Development every one of <paramref name="callers"/> must have a key,
    /// or the service does not start; in Development without any caller key the internal API stays open.
    /// </summary>
    public static IHostApplicationBuilder AddInternalCallerAuthentication(this IHostApplicationBuilder builder, params string[] callers)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<InternalApiOptions>()
            .BindConfiguration(InternalApiOptions.Section)
            .Validate(o => development && o.CallerKeys.Count == 0 || callers.All(c => InternalApiOptions.IsStrongEnough(o.CallerKeys.GetValueOrDefault(c))),
                $"Set InternalApi__CallerKeys__<caller> for each of {string.Join(", ", callers)} to at least {InternalApiOptions.MinimumKeyLength} printable " +
                "characters, the same value that caller gets as InternalApi__Key (the AppHost generates them). They authenticate calls to the internal API.")
            .ValidateOnStart();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, InternalCallerHandler>(SchemeName, null);
        return builder;
    }

    /// <summary>Only <paramref name="callers"/> (by their keys) may call these endpoints.</summary>
    public static TBuilder RequireInternalCaller<TBuilder>(this TBuilder endpoints, params string[] callers)
        where TBuilder : IEndpointConventionBuilder =>
        endpoints.RequireAuthorization(new AuthorizationPolicyBuilder(SchemeName)
            .RequireAuthenticatedUser()
            .RequireClaim(CallerClaim, callers)
            .Build());

    internal sealed class InternalCallerHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IOptions<InternalApiOptions> internalApi,
        IHostEnvironment environment,
        IProblemDetailsService problems)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        /// <summary>Development without caller keys: every caller is trusted with every name.</summary>
        private bool IsOpen => environment.IsDevelopment() && internalApi.Value.CallerKeys.Count == 0;

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (IsOpen)
            {
                var anyone = new ClaimsIdentity([new Claim(CallerClaim, InternalCallers.Gateway), new Claim(CallerClaim, InternalCallers.Dispatcher)], SchemeName);
                return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(anyone), SchemeName)));
            }

            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var presented = Encoding.UTF8.GetBytes(header[(SchemeName.Length + 1)..].Trim());
            string? caller = null;
            foreach (var (name, key) in internalApi.Value.CallerKeys)
            {
                // Every key is compared, in fixed time, so the answer's timing tells nothing about the keys.
                if (CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(key))) caller = name;
            }

            if (caller is null)
            {
                return Task.FromResult(AuthenticateResult.Fail("Unknown internal caller key."));
            }

            var identity = new ClaimsIdentity([new Claim(CallerClaim, caller), new Claim(ClaimTypes.Name, caller)], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.Headers.WWWAuthenticate = SchemeName;
            return WriteProblem(StatusCodes.Status401Unauthorized, "Missing or invalid internal caller key",
                "Calls to the internal API carry the calling service's InternalApi:Key as a bearer token.");
        }

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
            WriteProblem(StatusCodes.Status403Forbidden, "Not for this caller", "This internal endpoint serves other services only.");

        private Task WriteProblem(int status, string title, string detail)
        {
            Response.StatusCode = status;
            return problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails = { Status = status, Title = title, Detail = detail },
            }).AsTask();
        }
    }
}
