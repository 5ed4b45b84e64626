namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Names of the dispatcher's queues. Each distinct wait of the ladder has one TTL queue (a rung) named after
/// the wait, so a changed schedule declares new queues instead of clashing with the old arguments.
/// <para>
/// Retries come off their rungs onto a queue of their own, <see cref="Retries"/>, so a burst of first tries handed off
/// to <see cref="Deliveries"/> (a busy webhook's) cannot stand in front of a retry that is due. A first try that steps
/// aside waits in <see cref="FirstTryDefer"/>, which leads back to <see cref="Deliveries"/>, not to the retries.
/// </para>
/// </summary>
public static class RetryQueues
{
    public const string StationEvents = "dispatcher-station-events";

    /// <summary>First tries the fan-out did not make inline (busy or rate-limited webhook), replays and released kept deliveries.</summary>
    public const string Deliveries = "dispatcher-deliveries";

    /// <summary>Retries, as their rungs let them go.</summary>
    public const string Retries = "dispatcher-retries";

    /// <summary>The slow lane: tries of webhooks marked slow by <see cref="WebhookHealth"/>.</summary>
    public const string SlowDeliveries = "dispatcher-deliveries-slow";

    /// <summary>How long a delivery steps aside when its webhook already has too many attempts in flight.</summary>
    public static readonly TimeSpan DeferWait = TimeSpan.FromSeconds(1);

    /// <summary>Where a first try waits <see cref="DeferWait"/> when it steps aside; it then returns to <see cref="Deliveries"/>.</summary>
    public static readonly string FirstTryDefer = $"dispatcher-defer-{(long)DeferWait.TotalMilliseconds}ms";

    /// <summary>Fan-out hand-offs and replays go here: the exchange MassTransit binds to the deliveries queue.</summary>
    public static readonly Uri DeliveriesAddress = new($"exchange:{Deliveries}");

    /// <summary>The fan-out and the deliveries consumers send a slow webhook's tries here.</summary>
    public static readonly Uri SlowDeliveriesAddress = new($"exchange:{SlowDeliveries}");

    /// <summary>The rung of a wait: its messages expire into <see cref="Retries"/>.</summary>
    public static string ForWait(TimeSpan wait) => $"dispatcher-rung-{(long)wait.TotalMilliseconds}ms";

    /// <summary>An exchange, not a queue address: MassTransit would redeclare a queue without our TTL arguments.</summary>
    public static Uri AddressFor(TimeSpan wait) => new($"exchange:{ForWait(wait)}");

    /// <summary>Where a try that steps aside waits: a first try apart from the retries, a retry on the rung of <see cref="DeferWait"/>.</summary>
    public static Uri StepAsideAddress(int attempt) => attempt == 1 ? new($"exchange:{FirstTryDefer}") : AddressFor(DeferWait);

    /// <summary>The waits that need a rung: every rung of the ladder and the step-aside wait of retries.</summary>
    public static IReadOnlyList<TimeSpan> Waits(RetryLadder ladder) => ladder.DistinctDelays.Append(DeferWait).Distinct().Order().ToList();
}
