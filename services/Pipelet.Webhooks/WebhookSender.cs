using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Options;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Webhooks;

/// <summary>
/// Sends one delivery attempt to a subscriber. The dispatcher and the subscription service's test
/// endpoint both send through here, so a test that passes means real deliveries will too.
/// Never throws for the receiver's failures: every outcome is an <see cref="AttemptResult"/>.
/// Every request is signed (Standard Webhooks) over the exact bytes sent, with the webhook's active keys.
/// </summary>
public sealed class WebhookSender(HttpClient http, IOptions<WebhookSendingOptions> options, TimeProvider time)
{
    public const string HttpClientName = "webhooks";
    private const int ResponseBodyLimit = 1024;
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    /// <summary>Named as HttpClient's own source: it has listeners exactly when HttpClient's spans would be recorded.</summary>
    private static readonly ActivitySource HttpClientSpans = new("System.Net.Http");

    public async Task<AttemptResult> SendAsync(WebhookSubscription webhook, StationEvent stationEvent, int attempt, CancellationToken cancellationToken)
    {
        var body = DeliveryBody.Serialize(stationEvent);
        var messageId = stationEvent.EventId.ToString();
        var now = time.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Settings.Url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = Json } },
        };
        request.Headers.TryAddWithoutValidation("User-Agent", WebhookHeaders.UserAgent);
        request.Headers.Add(WebhookHeaders.Id, messageId);
        request.Headers.Add(WebhookHeaders.Timestamp, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookHeaders.Attempt, attempt.ToString(CultureInfo.InvariantCulture));
        if (webhook.Signing is { } signing)
        {
            var secrets = WebhookSignature.ActiveSecrets(signing, now, options.Value.SigningSecretOverlap);
            request.Headers.TryAddWithoutValidation(WebhookHeaders.Signature, WebhookSignature.Sign(secrets, messageId, timestamp, body));
        }

        if (webhook.Settings.SecretHeader is { } secretHeader)
        {
            request.Headers.TryAddWithoutValidation(secretHeader.Name, secretHeader.Value.Value);
        }

        PropagateTrace(request);
        var timeout = options.Value.Timeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var responseBody = await ReadPrefixAsync(response.Content, deadline.Token);
            var status = (int)response.StatusCode;
            var ok = status is >= 200 and <= 299;
            return new AttemptResult(ok, status, Stopwatch.GetElapsedTime(started),
                ok ? AttemptErrorKind.None : AttemptErrorKind.HttpStatus,
                ok ? null : $"The receiver answered {status} {response.ReasonPhrase}".TrimEnd(),
                responseBody,
                RetryAfter(response, now));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(started, AttemptErrorKind.Timeout,
                $"No response within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }
        catch (HttpRequestException ex)
        {
            var (kind, message) = Classify(ex, webhook.Settings.Url);
            return Failed(started, kind, message);
        }
    }

    /// <summary>
    /// The receiver's <c>traceparent</c> names the current span (the attempt). HttpClient would make a span of its own for
    /// every request just to send it (an Activity with five tags, two execution-context switches), whether or not anyone
    /// records it: a tenth of a delivery's allocations. When nothing listens to HttpClient's spans, the header is written
    /// here and the request goes without a current span, so HttpClient makes none; a tracer that records HTTP client
    /// spans (the OTLP exporter) still gets them as before.
    /// </summary>
    private static void PropagateTrace(HttpRequestMessage request)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } current || HttpClientSpans.HasListeners()) return;
        request.Headers.TryAddWithoutValidation(TraceParent, current.Id);
        if (current.TraceStateString is { } state) request.Headers.TryAddWithoutValidation(TraceState, state);
        // For the rest of SendAsync only: an async method does not hand its context changes back to its caller.
        Activity.Current = null;
    }

    /// <summary>
    /// When a 429 or 503 asks us to come back later (<c>Retry-After</c>, RFC 9110 §10.2.3: seconds, or an HTTP date),
    /// the earliest moment it names; null for any other answer, a missing or unreadable header, or a moment already past.
    /// </summary>
    private static DateTimeOffset? RetryAfter(HttpResponseMessage response, DateTimeOffset sentAt)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)) return null;
        var header = response.Headers.RetryAfter;
        var until = header?.Delta is { } delta ? sentAt + delta : header?.Date;
        return until > sentAt ? until : null;
    }

    private static AttemptResult Failed(long started, AttemptErrorKind kind, string message) =>
        new(false, null, Stopwatch.GetElapsedTime(started), kind, message, null);

    private static (AttemptErrorKind, string) Classify(HttpRequestException ex, Uri url)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case WebhookAddressRefusedException refused:
                    return (AttemptErrorKind.AddressRefused, refused.Message);
                case AuthenticationException tls:
                    return (AttemptErrorKind.Tls, $"TLS handshake with {url.Host} failed: {tls.Message}");
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return (AttemptErrorKind.ConnectionRefused, $"Connection to {url.Host}:{url.Port} was refused.");
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return (AttemptErrorKind.Dns, $"The host name {url.Host} does not resolve.");
            }
        }

        return (AttemptErrorKind.Network, ex.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"The host name {url.Host} does not resolve.",
            _ => $"Network error talking to {url.Host}: {ex.Message}",
        });
    }

    private static async Task<string?> ReadPrefixAsync(HttpContent content, CancellationToken cancellationToken)
    {
        // Most receivers answer with an empty body: nothing to read, nothing to keep.
        if (content.Headers.ContentLength == 0) return null;
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(ResponseBodyLimit);
        try
        {
            var read = 0;
            while (read < ResponseBodyLimit)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read, ResponseBodyLimit - read), cancellationToken);
                if (n == 0) break;
                read += n;
            }

            return read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
