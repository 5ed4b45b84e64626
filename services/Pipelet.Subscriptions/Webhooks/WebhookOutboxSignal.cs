using System.Threading.Channels;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// Between a committed webhook change and <see cref="WebhookChangePublisher"/>: wakes the publisher right after the
/// commit, so the change is on the bus within milliseconds rather than at the next poll, and lets the writer wait for
/// that. An API write answers only once its change is out (the station events' route synced, the dispatchers sent
/// the change), so events the broker takes after the answer reach a webhook just created or enabled.
/// </summary>
internal sealed class WebhookOutboxSignal
{
    /// <summary>How long a write waits for the publisher; past it (the broker unreachable) the change goes out later.</summary>
    internal static readonly TimeSpan PublishWait = TimeSpan.FromSeconds(5);

    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _gate = new();
    private List<TaskCompletionSource> _waiting = [];

    public void Notify() => _channel.Writer.TryWrite(true);

    /// <summary>
    /// Wakes the publisher and returns once a pass that started after this call (so it saw every change committed
    /// before) has published everything, or after <see cref="PublishWait"/>, whichever comes first.
    /// </summary>
    public async Task PublishedAsync(CancellationToken cancellationToken)
    {
        var published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _waiting.Add(published);
        Notify();
        try
        {
            await published.Task.WaitAsync(PublishWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Committed all the same: the publisher keeps trying and the change goes out once it can.
        }
    }

    /// <summary>Returns when notified or after <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _channel.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Called by the publisher as a pass starts: the writers it will answer when the pass has published everything.</summary>
    internal List<TaskCompletionSource> TakeWaiting()
    {
        lock (_gate)
        {
            var waiting = _waiting;
            _waiting = [];
            return waiting;
        }
    }

    /// <summary>Called by the publisher when a pass failed: its writers wait for the next one.</summary>
    internal void WaitAgain(List<TaskCompletionSource> waiting)
    {
        if (waiting.Count == 0) return;
        lock (_gate) _waiting.AddRange(waiting);
    }
}
