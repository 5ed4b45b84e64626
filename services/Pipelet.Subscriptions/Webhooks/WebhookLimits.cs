namespace Pipelet.Subscriptions.Webhooks;

/// <summary>Upper bounds on what a webhook may hold (documented in the README's Webhooks API section).</summary>
internal static class WebhookLimits
{
    public const int NameLength = 200;
    public const int UrlLength = 2048;
    public const int StationCount = 1000;
    public const int StationIdLength = 128;
    public const int SecretHeaderLength = 128;
    public const int SecretValueLength = 1024;

    /// <summary>The range of a webhook's <c>rate_limit</c>, deliveries per second.</summary>
    public const int MinRateLimit = 1;
    public const int MaxRateLimit = 10_000;

    /// <summary>How long saving a webhook waits for DNS before accepting a host it could not resolve.</summary>
    public static readonly TimeSpan DnsTimeout = TimeSpan.FromSeconds(3);
}
