using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Dispatcher.Subscriptions;

/// <summary>
/// This instance's view of every webhook, kept current by the bus (<see cref="WebhookChangesConsumer"/>)
/// and healed by periodic full reads (<see cref="WebhookDirectorySync"/>). Readers get an immutable
/// snapshot, so fan-out never takes a lock.
/// </summary>
public sealed class WebhookDirectory
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, WebhookSubscription> _webhooks = [];
    // Deleted ids with when, so a late or replayed upsert cannot resurrect a deleted webhook.
    private readonly Dictionary<long, DateTimeOffset> _deleted = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Snapshot _snapshot = Snapshot.Of([]);
    private Snapshot _unordered = Snapshot.Of([]);
    private Snapshot _ordered = Snapshot.Of([]);
    private volatile bool _orderedRouted;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first full list has been read (or at once when there is no source to read).</summary>
    public Task Ready => _ready.Task;

    public bool IsReady => _ready.Task.IsCompleted;

    public IReadOnlyList<WebhookSubscription> All => Volatile.Read(ref _snapshot).Webhooks;

    public void MarkReady() => _ready.TrySetResult();

    public WebhookSubscription? Find(long webhookId)
    {
        lock (_gate) return _webhooks.GetValueOrDefault(webhookId);
    }

    public bool WasDeleted(long webhookId)
    {
        lock (_gate) return _deleted.ContainsKey(webhookId);
    }

    /// <summary>Whether some webhook asks for its deliveries in order per station (enabled or not).</summary>
    public bool HasOrdered => Volatile.Read(ref _ordered).Webhooks.Length > 0;

    /// <summary>
    /// Called once this instance has bound the ordered queue to the station events: from then on, events for
    /// ordered webhooks reach them through their lanes only, and <see cref="Match"/> leaves those webhooks out.
    /// Until then they are delivered like any other (without an order) rather than not at all.
    /// </summary>
    public void UseOrderedRoute() => _orderedRouted = true;

    /// <summary>
    /// Every enabled webhook that should receive this event by the parallel fan-out: all of them, except those with
    /// ordering by station once the ordered queue carries the events (<see cref="UseOrderedRoute"/>).
    /// </summary>
    /// <remarks>Asked for every event: one webhook's match (the usual case) is a list kept with the snapshot, not a new one.</remarks>
    public IReadOnlyList<WebhookSubscription> Match(StationEvent stationEvent) => Match(Parallel, stationEvent);

    /// <summary>Every enabled webhook with ordering by station that should receive this event (through its lane).</summary>
    public IReadOnlyList<WebhookSubscription> MatchOrdered(StationEvent stationEvent) => Match(Volatile.Read(ref _ordered), stationEvent);

    private Snapshot Parallel => _orderedRouted ? Volatile.Read(ref _unordered) : Volatile.Read(ref _snapshot);

    private static IReadOnlyList<WebhookSubscription> Match(Snapshot snapshot, StationEvent stationEvent)
    {
        var first = -1;
        List<WebhookSubscription>? matches = null;
        for (var i = 0; i < snapshot.Webhooks.Length; i++)
        {
            if (!WebhookMatching.Wants(snapshot.Webhooks[i], stationEvent.Event, stationEvent.StationId)) continue;
            if (first < 0) first = i;
            else (matches ??= [snapshot.Webhooks[first]]).Add(snapshot.Webhooks[i]);
        }

        if (matches is not null) return matches;
        return first < 0 ? [] : snapshot.Alone[first];
    }

    /// <summary>Whether any enabled webhook wants this event by the parallel fan-out (<see cref="Match"/> without building the list).</summary>
    public bool AnyWants(StationEvent stationEvent)
    {
        foreach (var webhook in Parallel.Webhooks)
        {
            if (WebhookMatching.Wants(webhook, stationEvent.Event, stationEvent.StationId)) return true;
        }

        return false;
    }

    public void Upsert(WebhookSubscription webhook)
    {
        lock (_gate)
        {
            if (_deleted.TryGetValue(webhook.WebhookId, out var deletedAt) && deletedAt >= webhook.UpdatedAt) return;
            if (_webhooks.TryGetValue(webhook.WebhookId, out var known) && known.UpdatedAt > webhook.UpdatedAt) return;
            _deleted.Remove(webhook.WebhookId);
            _webhooks[webhook.WebhookId] = webhook;
            Publish();
        }
    }

    public void Delete(long webhookId, DateTimeOffset deletedAt)
    {
        lock (_gate)
        {
            if (_webhooks.TryGetValue(webhookId, out var known) && known.UpdatedAt > deletedAt) return;
            _webhooks.Remove(webhookId);
            _deleted[webhookId] = deletedAt;
            Publish();
        }
    }

    /// <summary>
    /// Applies a full list read at <paramref name="readStartedAt"/>: known webhooks missing from it that
    /// did not change after the read began were deleted while we were not listening. Returns the webhooks
    /// that stopped taking deliveries with this read (enabled or unheard of before, disabled or deleted now):
    /// changes this instance missed on the bus, or all disabled ones on the first read.
    /// </summary>
    public IReadOnlyList<long> Replace(IReadOnlyCollection<WebhookSubscription> webhooks, DateTimeOffset readStartedAt)
    {
        lock (_gate)
        {
            var listed = webhooks.Select(w => w.WebhookId).ToHashSet();
            var wereActive = webhooks.Select(w => w.WebhookId).Concat(_webhooks.Keys)
                .Where(id => _webhooks.TryGetValue(id, out var known) ? known.Settings.Enabled : !_deleted.ContainsKey(id))
                .ToHashSet();
            foreach (var gone in _webhooks.Values.Where(w => !listed.Contains(w.WebhookId) && w.UpdatedAt < readStartedAt).ToList())
            {
                _webhooks.Remove(gone.WebhookId);
                _deleted[gone.WebhookId] = readStartedAt;
            }

            foreach (var webhook in webhooks)
            {
                if (_deleted.TryGetValue(webhook.WebhookId, out var deletedAt) && deletedAt >= webhook.UpdatedAt) continue;
                if (_webhooks.TryGetValue(webhook.WebhookId, out var known) && known.UpdatedAt > webhook.UpdatedAt) continue;
                _deleted.Remove(webhook.WebhookId);
                _webhooks[webhook.WebhookId] = webhook;
            }

            Publish();
            return wereActive.Where(id => _webhooks.GetValueOrDefault(id) is not { Settings.Enabled: true }).Order().ToList();
        }
    }

    /// <summary>Waits until the view changes (or the timeout passes); used when a delivery names a webhook we do not know yet.</summary>
    public async Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate) changed = _changed.Task;
        await changed.WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Publish()
    {
        var webhooks = _webhooks.Values.OrderBy(w => w.WebhookId).ToArray();
        Volatile.Write(ref _unordered, Snapshot.Of([.. webhooks.Where(w => w.Settings.Ordering != WebhookOrdering.Station)]));
        Volatile.Write(ref _ordered, Snapshot.Of([.. webhooks.Where(w => w.Settings.Ordering == WebhookOrdering.Station)]));
        Volatile.Write(ref _snapshot, Snapshot.Of(webhooks));
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The webhooks by id, and each alone in a list of its own (what <see cref="Match"/> returns for it).</summary>
    private sealed record Snapshot(WebhookSubscription[] Webhooks, WebhookSubscription[][] Alone)
    {
        public static Snapshot Of(WebhookSubscription[] webhooks) => new(webhooks, [.. webhooks.Select(w => new[] { w })]);
    }
}
