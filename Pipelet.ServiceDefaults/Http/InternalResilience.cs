using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The standard resilience of calls between our own services (Aspire's <c>AddStandardResilienceHandler</c>,
/// whose package our feed lacks): a total deadline, a deadline per attempt, and a few quick retries
/// with jittered backoff on transient failures. Opt-in per client, never a default: webhook sends must
/// not be retried here, because their retries are the dispatcher's ladder.
/// </summary>
public static class InternalResilience
{
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    public const int MaxRetries = 3;

    /// <summary>Adds the handler to a client of an internal API (e.g. the subscription service's).</summary>
    public static IHttpClientBuilder AddInternalResilience(this IHttpClientBuilder builder) =>
        builder.AddHttpMessageHandler(() => new ResilienceHandler(CreatePipeline()));

    /// <summary>Total timeout outside, then retries, then the per-attempt timeout innermost.</summary>
    public static ResiliencePipeline<HttpResponseMessage> CreatePipeline(TimeProvider? timeProvider = null)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (timeProvider is not null) pipeline.TimeProvider = timeProvider;
        return pipeline
            .AddTimeout(TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context)),
            })
            .AddTimeout(AttemptTimeout)
            .Build();
    }

    /// <summary>
    /// Transient: a connection that failed, an attempt that timed out, or 408/429/5xx. A request that
    /// may have had an effect (not idempotent) is retried only when it never reached the server.
    /// </summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var request = context.Properties.GetValue(ResilienceHandler.RequestKey, null!);
        var idempotent = request is null || IsIdempotent(request.Method);
        return outcome switch
        {
            { Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } } => true,
            { Exception: HttpRequestException or TimeoutRejectedException } => idempotent,
            { Result: { } response } => idempotent && IsTransientStatus(response.StatusCode),
            _ => false,
        };
    }

    private static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options ||
        method == HttpMethod.Put || method == HttpMethod.Delete;
}
