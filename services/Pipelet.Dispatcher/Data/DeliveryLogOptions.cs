using System.ComponentModel.DataAnnotations;

namespace Pipelet.Dispatcher.Data;

/// <summary>The delivery log's settings, from the <c>Delivery</c> section.</summary>
public sealed class DeliveryLogOptions
{
    /// <summary>How long the delivery log keeps attempts and dead letters (<c>Delivery__Retention</c>).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Batches the delivery log commits at once (<c>Delivery__LogWriters</c>). Records that arrive while every writer
    /// waits for its commit go into the next batch, so fewer writers make fewer, larger commits: PostgreSQL's CPU and
    /// its WAL flushes go by commits more than by rows. One by default: a retry's wait counts from its failed try's answer
    /// and its batch leaves the rung early (<c>Delivery__RetryLead</c>), so the longer wait for a commit makes no retry
    /// late, and one writer's larger batches cost PostgreSQL about a fifth less CPU per delivery than three writers'.
    /// </summary>
    [Range(1, 16)]
    public int LogWriters { get; set; } = 1;
}
