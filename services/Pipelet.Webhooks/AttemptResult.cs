namespace Pipelet.Webhooks;

/// <summary>Why an attempt failed, in words a subscriber can act on.</summary>
public enum AttemptErrorKind
{
    None,

    /// <summary>The receiver answered, but not with a 2xx (redirects count as failures: we do not follow them).</summary>
    HttpStatus,

    /// <summary>No complete answer within the delivery timeout.</summary>
    Timeout,

    /// <summary>Nothing listens at the address.</summary>
    ConnectionRefused,

    /// <summary>The host name does not resolve.</summary>
    Dns,

    /// <summary>The TLS handshake failed (certificate, protocol).</summary>
    Tls,

    /// <summary>The host resolves only to loopback, private or link-local addresses, which we refuse to call.</summary>
    AddressRefused,

    /// <summary>Any other network failure (reset, closed early, ...).</summary>
    Network,
}

/// <summary>The outcome of one HTTP attempt.</summary>
/// <param name="StatusCode">The receiver's status, or null when no response arrived.</param>
/// <param name="ResponseBody">The first kilobyte of the response body, for the delivery log.</param>
/// <param name="RetryAfter">
/// The earliest moment a 429 or 503 answer's <c>Retry-After</c> asked the next try to wait for; null otherwise.
/// </param>
public sealed record AttemptResult(
    bool Succeeded,
    int? StatusCode,
    TimeSpan Duration,
    AttemptErrorKind ErrorKind,
    string? Error,
    string? ResponseBody,
    DateTimeOffset? RetryAfter = null);
