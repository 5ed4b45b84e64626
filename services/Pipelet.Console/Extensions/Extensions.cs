using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Pipelet.Console.Api;
using Pipelet.Console.Deliveries;
using Pipelet.Console.Session;

namespace Pipelet.Console.Extensions;

internal static class Extensions
{
    /// <summary>Where the console listens when nothing else says (ASPNETCORE_URLS, --urls, an AppHost).</summary>
    public const string DefaultUrl = "http://localhost:8081";

    public static void AddApplicationServices(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddOptions<ConsoleOptions>()
            .BindConfiguration(ConsoleOptions.Section)
            .Validate(o => o.ApiBaseUrl is { IsAbsoluteUri: true } url && url.Scheme is "http" or "https",
                "Console:ApiBaseUrl must be an absolute http(s) URL, e.g. http://localhost:8080/api/v1/.")
            .ValidateOnStart();

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

        builder.Services.AddHttpClient(PipeletHttpApi.ClientName, (services, http) =>
        {
            var api = services.GetRequiredService<IOptions<ConsoleOptions>>().Value.ApiBaseUrl!;
            // Relative paths resolve under the base only when it ends in a slash.
            http.BaseAddress = api.AbsoluteUri.EndsWith('/') ? api : new Uri(api.AbsoluteUri + "/");
            http.Timeout = PipeletHttpApi.Timeout;
        });
        builder.Services.AddScoped<KeySession>();
        builder.Services.AddScoped<IPipeletApi, PipeletHttpApi>();
        builder.Services.AddScoped<WebhookHealthReader>();
        builder.Services.AddSingleton(TimeProvider.System);
    }
}

/// <summary>The <c>Console</c> settings.</summary>
internal sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>The public REST API, ending in a slash: <c>http://localhost:8080/api/v1/</c>.</summary>
    public Uri? ApiBaseUrl { get; set; }
}
