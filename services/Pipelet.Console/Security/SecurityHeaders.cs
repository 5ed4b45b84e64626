using Microsoft.Net.Http.Headers;

namespace Pipelet.Console.Security;

/// <summary>
/// Headers on every answer: a strict Content Security Policy (our own scripts and styles only, no inline ones;
/// the circuit's WebSocket to ourselves; no framing by anyone), and no caching of pages, which show a user's data.
/// Static files set their own caching before this runs.
/// </summary>
internal static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                if (!headers.ContainsKey(HeaderNames.CacheControl)) headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
            return next(context);
        });
}
