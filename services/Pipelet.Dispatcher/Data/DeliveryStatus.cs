namespace Pipelet.Dispatcher.Data;

/// <summary>Where a delivery stands, as stored in <c>deliveries.status</c> and shown by the API.</summary>
public static class DeliveryStatus
{
    public const string Succeeded = "succeeded";
    public const string Retrying = "retrying";

    /// <summary>Kept without a try while its webhook is paused (see <c>PausedWebhooks</c>).</summary>
    public const string Paused = "paused";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Succeeded, Retrying, Paused, Failed, Cancelled];

    public static bool IsFinal(string status) => status is Succeeded or Failed or Cancelled;
}
