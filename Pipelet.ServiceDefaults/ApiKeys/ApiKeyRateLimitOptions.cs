using System.ComponentModel.DataAnnotations;

namespace Pipelet.ServiceDefaults.ApiKeys;

/// <summary>
/// Per-key rate limit, bound from <c>Api:RateLimit</c> (<c>Api__RateLimit__PermitsPerSecond</c>,
/// <c>Api__RateLimit__Burst</c>). A token bucket per API key: <see cref="Burst"/> requests at once,
/// refilled at <see cref="PermitsPerSecond"/>. The defaults are generous; they stop runaway scripts, not users.
/// </summary>
public sealed class ApiKeyRateLimitOptions
{
    public const string Section = "Api:RateLimit";

    [Range(1, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 100;

    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 200;
}
