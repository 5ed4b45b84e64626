using System.ComponentModel.DataAnnotations;

namespace Pipelet.Webhooks;

/// <summary>Bound from the <c>Delivery</c> section (<c>Delivery__Timeout</c>, <c>Delivery__AllowPrivateNetworks</c>, <c>Delivery__SigningSecretOverlap</c>).</summary>
public sealed class WebhookSendingOptions
{
    public const string Section = "Delivery";

    /// <summary>A delivery succeeds only with a 2xx within this time.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Allow webhook URLs that resolve to loopback, private or link-local addresses (local development only).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long after a signing-secret rotation requests still carry a signature with the previous secret too.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan SigningSecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Upper bound of parallel connections to one receiver.</summary>
    [Range(1, 10_000)]
    public int MaxConnectionsPerReceiver { get; set; } = 256;
}
