namespace Pipelet.Client;

/// <summary>The statuses of the delivery log (<see cref="DeliverySummary.Status"/>, the <c>status</c> filter).</summary>
public static class DeliveryStatus
{
    public const string Succeeded = "succeeded";
    public const string Retrying = "retrying";

    /// <summary>Kept without a try while its webhook is paused (its recent tries all failed).</summary>
    public const string Paused = "paused";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Succeeded, Retrying, Paused, Failed, Cancelled];
}
