using Pipelet.Client;

namespace Pipelet.Console.Deliveries;

/// <summary>How a webhook's deliveries went over a window, counted from the delivery log.</summary>
public sealed record WebhookHealth(int Succeeded, int Retrying, int Failed, int Cancelled, DeliverySummary? LastError, bool Partial)
{
    public int Total => Succeeded + Retrying + Failed + Cancelled;

    /// <summary>Succeeded out of those settled either way (retrying and cancelled ones are neither); null with none settled.</summary>
    public double? SuccessRate => Succeeded + Failed == 0 ? null : (double)Succeeded / (Succeeded + Failed);
}

/// <summary>Deliveries made in one minute, by their status now.</summary>
public sealed record MinuteOutcomes(DateTimeOffset Minute, int Succeeded, int Retrying, int Failed, int Cancelled)
{
    public int Total => Succeeded + Retrying + Failed + Cancelled;
}

/// <summary>
/// Reads the delivery log (newest first) back to the start of a window. The API has no per-webhook statistics, so
/// these are counted here, up to <see cref="MaxScanned"/> deliveries per window (beyond that: <c>Partial</c>).
/// </summary>
internal sealed class WebhookHealthReader(PipeletClient api, TimeProvider time)
{
    public const int MaxScanned = 5000;
    private const int PageSize = 500;

    public static readonly TimeSpan HealthWindow = TimeSpan.FromHours(24);
    public static readonly TimeSpan ChartWindow = TimeSpan.FromHours(1);

    public async Task<WebhookHealth> ReadAsync(long webhookId, CancellationToken cancellationToken)
    {
        var (deliveries, partial) = await SinceAsync(webhookId, time.GetUtcNow() - HealthWindow, cancellationToken);
        return new WebhookHealth(
            deliveries.Count(d => d.Status == DeliveryStatus.Succeeded),
            deliveries.Count(d => d.Status == DeliveryStatus.Retrying),
            deliveries.Count(d => d.Status == DeliveryStatus.Failed),
            deliveries.Count(d => d.Status == DeliveryStatus.Cancelled),
            deliveries.FirstOrDefault(d => d.LastError is not null),
            partial);
    }

    /// <summary>The last hour, one entry per minute, oldest first (minutes without deliveries included).</summary>
    public async Task<IReadOnlyList<MinuteOutcomes>> PerMinuteAsync(long webhookId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var thisMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var first = thisMinute.AddMinutes(-59);
        var (deliveries, _) = await SinceAsync(webhookId, first, cancellationToken);
        var byMinute = deliveries.ToLookup(d => (int)(d.CreatedAt.ToUniversalTime() - first).TotalMinutes);
        return Enumerable.Range(0, 60).Select(i =>
        {
            var inMinute = byMinute[i].ToList();
            return new MinuteOutcomes(first.AddMinutes(i),
                inMinute.Count(d => d.Status == DeliveryStatus.Succeeded),
                inMinute.Count(d => d.Status == DeliveryStatus.Retrying),
                inMinute.Count(d => d.Status == DeliveryStatus.Failed),
                inMinute.Count(d => d.Status == DeliveryStatus.Cancelled));
        }).ToList();
    }

    private async Task<(List<DeliverySummary> Deliveries, bool Partial)> SinceAsync(long webhookId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var deliveries = new List<DeliverySummary>();
        await foreach (var delivery in api.Deliveries.ListAllAsync(webhookId, status: null, PageSize, cancellationToken))
        {
            if (delivery.CreatedAt < since) return (deliveries, false);
            if (deliveries.Count == MaxScanned) return (deliveries, true);
            deliveries.Add(delivery);
        }

        return (deliveries, false);
    }
}
