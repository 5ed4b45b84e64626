using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipelet.ServiceDefaults.ApiKeys;

/// <summary>
/// Authenticates a request by its <c>X-API-Key</c> header. A missing or wrong key is a 401 and a key
/// without the needed scope a 403, both as RFC 7807 problem details.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IApiKeyVerifier verifier,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";
    public const string ScopeClaim = "scope";
    public const string KeyIdClaim = "api_key_id";
    private static readonly object CheckUnavailable = new();

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return AuthenticateResult.NoResult();
        }

        ApiKeyIdentity? identity;
        try
        {
            identity = await verifier.VerifyAsync(values[0]!, Context.RequestAborted);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !Context.RequestAborted.IsCancellationRequested)
        {
            // The key service is down: that is neither "wrong key" (401) nor a crash (500), but 503.
            Logger.LogWarning("Checking an API key failed: {Reason}", ex.Message);
            Context.Items[CheckUnavailable] = true;
            return AuthenticateResult.Fail("The API key check is unavailable.");
        }

        if (identity is null)
        {
            return AuthenticateResult.Fail("The API key is not valid.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, identity.Id),
            new(KeyIdClaim, identity.Id),
            new(ClaimTypes.Name, identity.Name),
        };
        claims.AddRange(identity.Scopes.Select(s => new Claim(ScopeClaim, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Context.Items.ContainsKey(CheckUnavailable)
            ? WriteProblem(StatusCodes.Status503ServiceUnavailable, "API key check unavailable",
                "The service that checks API keys does not answer; retry shortly.")
            : WriteProblem(StatusCodes.Status401Unauthorized, "Missing or invalid API key",
            $"Send a valid key in the {HeaderName} header.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblem(StatusCodes.Status403Forbidden, "Insufficient scope",
            "This API key does not have the scope this operation requires.");

    private async Task WriteProblem(int status, string title, string detail)
    {
        Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            Response.Headers.WWWAuthenticate = SchemeName;
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            Response.Headers.RetryAfter = "1";
        }

        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
