using System.ComponentModel.DataAnnotations;

namespace Pipelet.Dispatcher.Ordering;

/// <summary>Ordered delivery's settings, from the <c>Delivery</c> section.</summary>
public sealed class OrderedDeliveryOptions
{
    /// <summary>Lanes (webhook, station) this instance tries at once, one try each (<c>Delivery__OrderedLanes</c>).</summary>
    [Range(1, 10_000)]
    public int OrderedLanes { get; set; } = 64;

    /// <summary>
    /// How often an instance looks for lanes that became due (<c>Delivery__OrderedPollInterval</c>); the instance that
    /// appended to a lane, or finished a lane's head, looks at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan OrderedPollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
