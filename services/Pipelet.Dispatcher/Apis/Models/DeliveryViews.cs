using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher.Apis.Models;

public sealed record RecoverRequest(DateTimeOffset? Since);

public sealed record RecoverStarted(long WebhookId, DateTimeOffset Since, int Recovered, IReadOnlyList<ReplayStarted> Deliveries);

/// <summary>
/// Whether a webhook is paused (its recent tries all failed): since when, when the next probe try is due, how many of
/// its deliveries are kept meanwhile (shown <c>paused</c> in the log), and the last error.
/// </summary>
public sealed record WebhookHealthView(long WebhookId, bool Paused, DateTimeOffset? PausedSince, DateTimeOffset? NextProbeAt, long KeptDeliveries, string? LastError);
