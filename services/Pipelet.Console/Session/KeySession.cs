using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Pipelet.Console.Session;

/// <summary>
/// The signed-in user's API key. It is a claim of the encrypted session cookie (the console stores it nowhere
/// else and never logs it), read from the user of the request or circuit.
/// </summary>
internal sealed class KeySession(AuthenticationStateProvider authentication)
{
    public const string CookieName = "pipelet-console";
    public const string KeyClaim = "pipelet_api_key";
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);

    private string? _candidate;

    /// <summary>The key to send: the one being checked at sign-in, else the signed-in user's.</summary>
    public async ValueTask<string?> GetKeyAsync()
    {
        if (_candidate is not null) return _candidate;
        var state = await authentication.GetAuthenticationStateAsync();
        return state.User.FindFirst(KeyClaim)?.Value;
    }

    /// <summary>Sends <paramref name="key"/> on this scope's calls until sign-in is done (the sign-in check).</summary>
    public void Try(string key) => _candidate = key;

    /// <summary>
    /// A user named by the key's public prefix (the first 15 characters, as the API lists it), carrying the key.
    /// </summary>
    public static ClaimsPrincipal Principal(string key)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, Prefix(key)), new Claim(KeyClaim, key)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        return new ClaimsPrincipal(identity);
    }

    public static string Prefix(string key) => key.Length <= 15 ? key : key[..15] + "…";
}

internal static class KeySessionEndpoints
{
    /// <summary><c>POST /logout</c> (antiforgery-checked form): the cookie goes, and with it the key.</summary>
    public static IEndpointRouteBuilder MapKeySessionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", async (HttpContext context, [FromForm] string? reason) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.LocalRedirect(reason == "refused" ? "/login?refused=1" : "/login");
        });
        return app;
    }
}
