using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher.Apis.Models;

public sealed record RecoverRequest(DateTimeOffset? Since);

public sealed record RecoverStarted(long WebhookId, DateTimeOffset Since, int Recovered, IReadOnlyList<ReplayStarted> Deliveries);

/// <summary>
/// Whether a webhook is paused (its recent tries all failed): since when, when the next probe try is due, how many of
/// its deliveries are kept meanwhile (shown <c>paused</c> in the log), and the last error. <c>ordered_waiting</c>: for a
/// webhook with <c>ordering: "station"</c>, the deliveries in its station lanes not yet over (each lane's head included).
/// </summary>
public sealed record WebhookHealthView(long WebhookId, bool Paused, DateTimeOffset? PausedSince, DateTimeOffset? NextProbeAt, long KeptDeliveries, string? LastError,
    long OrderedWaiting);
