namespace Pipelet.Dispatcher.Data;

/// <summary>
/// How a webhook's deliveries went, counted in the log by their status now: over <see cref="Window"/> up to
/// the moment of reading (with the newest delivery that has an error), and per minute over the last
/// <see cref="MinuteCount"/> minutes, the current one last (minutes without deliveries included).
/// </summary>
public sealed record DeliveryStats(long WebhookId, DateTimeOffset Since, DeliveryCounts Totals, DeliverySummary? LastError, IReadOnlyList<MinuteCounts> PerMinute)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    public const int MinuteCount = 60;
}

/// <summary>Deliveries by their status now; <c>paused</c>: kept without a try while their webhook is paused.</summary>
public sealed record DeliveryCounts(int Succeeded, int Retrying, int Paused, int Failed, int Cancelled);

public sealed record MinuteCounts(DateTimeOffset Minute, int Succeeded, int Retrying, int Paused, int Failed, int Cancelled);
