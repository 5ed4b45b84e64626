using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Pipelet.ServiceDefaults.ApiKeys;

/// <summary>
/// Per-key rate limiting: over the limit a request gets 429 with <c>Retry-After</c> and a problem body.
/// Registered by <see cref="ApiKeyAuthentication.AddApiKeyAuthentication"/>; a service turns it on, with
/// authentication and authorization around it, with <see cref="UseApiKeyPipeline"/>.
/// </summary>
public static class ApiKeyRateLimiting
{
    private const string PresentedKeyPartitionPrefix = "bad-key:";

    /// <summary>
    /// The API-key pipeline every service serving the public API runs, in this order: who the key is
    /// (authentication), whether it is over its rate limit, whether it has the scope (authorization).
    /// </summary>
    public static IApplicationBuilder UseApiKeyPipeline(this IApplicationBuilder app) =>
        app.UseAuthentication().UseRateLimiter().UseAuthorization();

    internal static void AddApiKeyRateLimiter(this IServiceCollection services)
    {
        services.AddOptions<ApiKeyRateLimitOptions>()
            .BindConfiguration(ApiKeyRateLimitOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ApiKeyRateLimitOptions>>((limiter, limits) =>
        {
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.Value.Burst,
                TokensPerPeriod = limits.Value.PermitsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            };
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => PartitionFor(context) switch
            {
                { } partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => bucket),
                null => RateLimitPartition.GetNoLimiter(""),
            });
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = WriteRejection;
        });
    }

    /// <summary>
    /// The key's id when authenticated. A request that presented a key we did not accept is limited per
    /// client address, so guessing keys costs the guesser; requests without a key (health, OpenAPI) are not limited.
    /// </summary>
    private static string? PartitionFor(HttpContext context)
    {
        if (context.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value is { } keyId)
        {
            return "key:" + keyId;
        }

        return context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName)
            ? PresentedKeyPartitionPrefix + context.Connection.RemoteIpAddress
            : null;
    }

    private static async ValueTask WriteRejection(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"This API key is over its rate limit. Retry after {seconds} s.",
            },
        });
    }
}
