using Microsoft.AspNetCore.Authentication.Cookies;
using Pipelet.Console.Api;
using Pipelet.Console.Session;

namespace Pipelet.Console.Extensions;

internal static class Extensions
{
    /// <summary>Where the console listens when nothing else says (ASPNETCORE_URLS, --urls, an AppHost).</summary>
    public const string DefaultUrl = "http://localhost:8081";

    /// <summary>The API when neither Console:ApiUrl nor an AppHost reference names it: the README's local system.</summary>
    private const string DefaultApiUrl = "http://localhost:8080/";

    public static void AddApplicationServices(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Run from a build (dotnet run, an AppHost) in any environment, the CSS and blazor.web.js are served from
        // where the build put them; a published app has them in its wwwroot, and this finds nothing to add.
        builder.WebHost.UseStaticWebAssets();

        builder.AddValidatedOptions<ConsoleOptions>(ConsoleOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
                options.ApiUrl ??= new Uri(configuration["services:subscriptions:http:0"] ?? DefaultApiUrl))
            .Validate(o => o.ApiUrl is { IsAbsoluteUri: true, Scheme: "http" or "https" },
                "Console:ApiUrl must be an absolute http(s) URL, e.g. http://localhost:8080/.");

        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents();

        // The user's API key lives in an encrypted, HttpOnly session cookie (gone when the browser closes) and in
        // the memory of their circuit; it is sent only to the API, in the X-API-Key header.
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = KeySession.CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = KeySession.IdleTimeout;
                cookie.SlidingExpiration = true;
                cookie.LoginPath = "/login";
                cookie.LogoutPath = "/logout";
                cookie.AccessDeniedPath = "/login";
            });
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();

        builder.Services.AddConsoleApi();
        builder.Services.AddSingleton(TimeProvider.System);
    }
}
