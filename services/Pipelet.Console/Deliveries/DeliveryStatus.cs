using System.Runtime.CompilerServices;
using Pipelet.Client;

namespace Pipelet.Console.Deliveries;

/// <summary>The statuses of the delivery log.</summary>
public static class DeliveryStatus
{
    public const string Succeeded = "succeeded";
    public const string Retrying = "retrying";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Succeeded, Retrying, Failed, Cancelled];
}

internal static class DeliveryLogPaging
{
    /// <summary>
    /// A webhook's deliveries newest first, page after page, starting after <paramref name="before"/> (the client's
    /// <c>ListAllAsync</c> always starts at the newest).
    /// </summary>
    public static async IAsyncEnumerable<DeliverySummary> ListFromAsync(this IDeliveriesApi api, long webhookId, string? status, Guid? before, int pageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        do
        {
            var page = await api.ListAsync(webhookId, status, before, pageSize, cancellationToken);
            foreach (var delivery in page.Items) yield return delivery;
            before = page.NextBefore;
        }
        while (before is not null);
    }
}
