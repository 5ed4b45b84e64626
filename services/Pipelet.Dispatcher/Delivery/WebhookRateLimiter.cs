using System.Collections.Concurrent;
using Pipelet.Dispatcher.Data;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Holds a webhook's <c>rate_limit</c> over every dispatcher instance together, with a token bucket in PostgreSQL
/// (<see cref="WebhookRateBuckets"/>) rather than a per-instance share of the limit: a share needs to know how many
/// instances there are and how RabbitMQ spreads one webhook's deliveries over them, and is wrong while instances come
/// and go, while the shared bucket is exact whatever the spread, at one small statement per few deliveries.
/// An instance takes a twentieth of a second's worth of tokens at a time and may spend them only for 50 ms, and the
/// bucket holds at most that much, so in any second the webhook gets at most the limit plus 10%. A try without a token
/// is not made and not counted: the fan-out hands it to the deliveries queue at once, and a delivery consumer waits up
/// to a second for a token (at most <see cref="MaxWaiters"/> tries per webhook and instance wait, so a limited webhook
/// holds few of the consumer's slots) before it puts the try back for a second: a webhook over its limit holds up no other.
/// </summary>
public sealed class WebhookRateLimiter(WebhookRateBuckets buckets, TimeProvider time)
{
    /// <summary>Tries of one webhook that may wait for a token at once on one instance; the others step aside at once.</summary>
    public const int MaxWaiters = 32;

    private static readonly TimeSpan SpendWithin = TimeSpan.FromMilliseconds(50);
    private readonly ConcurrentDictionary<long, Tokens> _webhooks = new();

    /// <summary>True when a try of this webhook may go now (a token was taken).</summary>
    public async ValueTask<bool> TryTakeAsync(long webhookId, int limit, CancellationToken cancellationToken)
    {
        var tokens = _webhooks.GetOrAdd(webhookId, static _ => new Tokens());
        if (tokens.TryTake(time.GetUtcNow())) return true;

        await tokens.Refill.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (tokens.TryTake(now)) return true;
            // The bucket was empty a moment ago: no need to ask again before a token can have come.
            if (now < tokens.EmptyUntil) return false;

            var capacity = Math.Max(1, limit / 20.0);
            var granted = await buckets.TakeAsync(webhookId, capacity, limit, (int)Math.Ceiling(capacity), cancellationToken);
            now = time.GetUtcNow();
            if (granted == 0)
            {
                tokens.EmptyUntil = now + TimeSpan.FromSeconds(Math.Max(0.005, 1.0 / limit));
                return false;
            }

            tokens.Set(granted - 1, now + SpendWithin);
            return true;
        }
        finally
        {
            tokens.Refill.Release();
        }
    }

    /// <summary>
    /// Like <see cref="TryTakeAsync"/>, waiting up to <paramref name="maxWait"/> for a token: tokens come a few at a time,
    /// and a try that gave up at once would come back only a second later, so a backlog would get far less than its limit.
    /// </summary>
    public async ValueTask<bool> WaitAsync(long webhookId, int limit, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        if (await TryTakeAsync(webhookId, limit, cancellationToken)) return true;
        var tokens = _webhooks.GetOrAdd(webhookId, static _ => new Tokens());
        if (Interlocked.Increment(ref tokens.Waiters) > MaxWaiters)
        {
            Interlocked.Decrement(ref tokens.Waiters);
            return false;
        }

        try
        {
            var deadline = time.GetUtcNow() + maxWait;
            while (true)
            {
                var now = time.GetUtcNow();
                if (now >= deadline) return false;
                var pause = tokens.EmptyUntil > now ? tokens.EmptyUntil - now : TimeSpan.FromMilliseconds(5);
                await Task.Delay(pause < deadline - now ? pause : deadline - now, time, cancellationToken);
                if (await TryTakeAsync(webhookId, limit, cancellationToken)) return true;
            }
        }
        finally
        {
            Interlocked.Decrement(ref tokens.Waiters);
        }
    }

    private sealed class Tokens
    {
        public int Waiters;

        private readonly Lock _gate = new();
        private int _left;
        private DateTimeOffset _spendBefore;

        /// <summary>One refill at a time per webhook on this instance; never disposed (one per webhook ever seen).</summary>
        public SemaphoreSlim Refill { get; } = new(1, 1);

        public DateTimeOffset EmptyUntil { get; set; }

        public bool TryTake(DateTimeOffset now)
        {
            lock (_gate)
            {
                if (_left <= 0 || now >= _spendBefore) return false;
                _left--;
                return true;
            }
        }

        public void Set(int left, DateTimeOffset spendBefore)
        {
            lock (_gate)
            {
                _left = left;
                _spendBefore = spendBefore;
            }
        }
    }
}
