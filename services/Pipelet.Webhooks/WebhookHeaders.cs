namespace Pipelet.Webhooks;

/// <summary>The headers every delivery carries besides the subscriber's secret header: the Standard Webhooks trio and the attempt number.</summary>
public static class WebhookHeaders
{
    /// <summary>The event id: identical on every attempt, the receiver's dedupe key (Standard Webhooks name).</summary>
    public const string Id = "webhook-id";

    /// <summary>Unix seconds of this attempt (Standard Webhooks name).</summary>
    public const string Timestamp = "webhook-timestamp";

    /// <summary>Space-separated <c>v1,</c> signatures of this attempt (Standard Webhooks name).</summary>
    public const string Signature = "webhook-signature";

    /// <summary>1 for the first try, 2 for the first retry, and so on.</summary>
    public const string Attempt = "webhook-attempt";

    /// <summary>Headers a subscriber may not use as its secret header: we set them ourselves, or HTTP owns them.</summary>
    public static IReadOnlySet<string> Reserved { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Connection",
        "Keep-Alive", "Upgrade", "TE", "Trailer", "Expect", "User-Agent", "Accept", "Accept-Encoding",
        "Proxy-Authorization", "Proxy-Connection", "Cookie", "Date", "traceparent", "tracestate", "baggage",
        Id, Timestamp, Attempt, Signature,
    };

    public static readonly string UserAgent =
        $"Pipelet-Webhooks/{typeof(WebhookHeaders).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"}";
}
