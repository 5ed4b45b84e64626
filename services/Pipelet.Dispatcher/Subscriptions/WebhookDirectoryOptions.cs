using System.ComponentModel.DataAnnotations;

namespace Pipelet.Dispatcher.Subscriptions;

/// <summary>The webhook directory's settings, from the <c>Delivery</c> section.</summary>
public sealed class WebhookDirectoryOptions
{
    /// <summary>How often the full webhook list is re-read from the subscription service, to heal missed changes (<c>Delivery__SubscriptionsRefresh</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SubscriptionsRefresh { get; set; } = TimeSpan.FromMinutes(1);
}
