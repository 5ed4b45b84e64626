namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Names of the dispatcher's queues. Each distinct wait of the ladder has one TTL queue named after
/// the wait, so a changed schedule declares new queues instead of clashing with the old arguments.
/// </summary>
public static class RetryQueues
{
    public const string StationEvents = "dispatcher-station-events";
    public const string Deliveries = "dispatcher-deliveries";

    /// <summary>The slow lane: tries of webhooks marked slow by <see cref="WebhookHealth"/>.</summary>
    public const string SlowDeliveries = "dispatcher-deliveries-slow";

    /// <summary>How long a delivery steps aside when its webhook already has too many attempts in flight.</summary>
    public static readonly TimeSpan DeferWait = TimeSpan.FromSeconds(1);

    /// <summary>Fan-out and rungs send here: the exchange MassTransit binds to the deliveries queue.</summary>
    public static readonly Uri DeliveriesAddress = new($"exchange:{Deliveries}");

    /// <summary>The fan-out and the deliveries consumer send a slow webhook's tries here.</summary>
    public static readonly Uri SlowDeliveriesAddress = new($"exchange:{SlowDeliveries}");

    public static string ForWait(TimeSpan wait) => $"dispatcher-retry-{(long)wait.TotalMilliseconds}ms";

    /// <summary>An exchange, not a queue address: MassTransit would redeclare a queue without our TTL arguments.</summary>
    public static Uri AddressFor(TimeSpan wait) => new($"exchange:{ForWait(wait)}");

    /// <summary>The waits that need a queue: every rung and the defer step.</summary>
    public static IReadOnlyList<TimeSpan> Waits(RetryLadder ladder) => ladder.DistinctDelays.Append(DeferWait).Distinct().Order().ToList();
}
