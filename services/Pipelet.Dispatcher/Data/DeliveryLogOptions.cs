using System.ComponentModel.DataAnnotations;

namespace Pipelet.Dispatcher.Data;

/// <summary>The delivery log's settings, from the <c>Delivery</c> section.</summary>
public sealed class DeliveryLogOptions
{
    /// <summary>How long the delivery log keeps attempts and dead letters (<c>Delivery__Retention</c>).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}
