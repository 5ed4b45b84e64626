using System.Threading.Channels;

namespace Pipelet.Gateway.Events;

/// <summary>
/// The events waiting for a batch, oldest first, with how many there are: a single-reader channel cannot
/// count, and the publish loops decide from the count whether a further batch is worth a message now.
/// </summary>
internal sealed class WaitingEvents(bool singleReader)
{
    private readonly Channel<PendingEvent> _channel =
        Channel.CreateUnbounded<PendingEvent>(new UnboundedChannelOptions { SingleReader = singleReader });
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>False once the gateway is shutting down.</summary>
    public bool TryWrite(PendingEvent pending)
    {
        // Counted before it can be read, so the count never goes below zero.
        Interlocked.Increment(ref _count);
        if (_channel.Writer.TryWrite(pending)) return true;
        Interlocked.Decrement(ref _count);
        return false;
    }

    public bool TryRead(out PendingEvent pending)
    {
        if (!_channel.Reader.TryRead(out pending!)) return false;
        Interlocked.Decrement(ref _count);
        return true;
    }

    public ValueTask<bool> WaitToReadAsync() => _channel.Reader.WaitToReadAsync(CancellationToken.None);

    public void Complete() => _channel.Writer.TryComplete();
}
