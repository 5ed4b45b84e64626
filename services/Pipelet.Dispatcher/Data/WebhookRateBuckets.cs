using Npgsql;

namespace Pipelet.Dispatcher.Data;

/// <summary>
/// The token buckets of rate-limited webhooks (<c>webhook_rate_buckets</c>), one row per webhook shared by every
/// dispatcher instance. One statement refills the bucket for the time since its last take (PostgreSQL's clock, so
/// instances' clocks do not matter) and takes what is there, up to what was asked: the row lock makes concurrent
/// takes from several instances add up to no more than the bucket holds.
/// </summary>
public sealed class WebhookRateBuckets(NpgsqlDataSource dataSource)
{
    /// <returns>How many tokens were taken: 0 to <paramref name="want"/>.</returns>
    public async Task<int> TakeAsync(long webhookId, double capacity, double perSecond, int want, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO webhook_rate_buckets AS b (webhook_id, tokens, refilled_at, granted)
            VALUES ($1, $2 - LEAST(floor($2), $4), statement_timestamp(), LEAST(floor($2), $4))
            ON CONFLICT (webhook_id) DO UPDATE SET
                granted = LEAST(floor(LEAST($2, b.tokens + GREATEST(0, extract(epoch FROM statement_timestamp() - b.refilled_at)) * $3)), $4),
                tokens = LEAST($2, b.tokens + GREATEST(0, extract(epoch FROM statement_timestamp() - b.refilled_at)) * $3)
                         - LEAST(floor(LEAST($2, b.tokens + GREATEST(0, extract(epoch FROM statement_timestamp() - b.refilled_at)) * $3)), $4),
                refilled_at = GREATEST(b.refilled_at, statement_timestamp())
            RETURNING granted
            """);
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = capacity });
        command.Parameters.Add(new() { Value = perSecond });
        command.Parameters.Add(new() { Value = want });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
