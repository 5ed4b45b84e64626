using System.Text.Json;
using MassTransit;
using Npgsql;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using RabbitMQ.Client.Exceptions;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// Publishes committed webhook changes from the <c>webhook_outbox</c> table (transactional outbox):
/// for each changed webhook, its current state as <see cref="WebhookUpserted"/>, or <see cref="WebhookDeleted"/>
/// when the row is gone. An outbox row is removed only after the broker confirmed the message, so a crash
/// between commit and publish delays the message until the next start instead of losing it; the secret is
/// never copied into the outbox. Delivery is at-least-once: the dispatcher applies messages idempotently.
/// Before any change goes out, and once at start, <see cref="StationEventRoute"/> makes the station events' route match
/// the database, so a dispatcher that hears of an enabled webhook already gets its events.
/// Operational events (<c>operational_event_outbox</c>) go out the same way, see <see cref="PublishOperationalEventsAsync"/>.
/// </summary>
internal sealed partial class WebhookChangePublisher(
    NpgsqlDataSource dataSource,
    WebhookStore store,
    WebhookOutboxSignal signal,
    StationEventRoute route,
    IBus bus,
    ILogger<WebhookChangePublisher> logger) : BackgroundService
{
    private const int BatchSize = 100;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var routeSynced = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Writers waiting for their change to be out, all committed before this pass reads the outbox.
            var waiting = signal.TakeWaiting();
            try
            {
                if (!routeSynced)
                {
                    await route.SyncAsync(stoppingToken); // at start, whether or not anything changed
                    routeSynced = true;
                }

                while (await PublishBatchAsync(stoppingToken, waitForOtherPublishers: waiting.Count > 0) == BatchSize)
                {
                }

                foreach (var writer in waiting) writer.TrySetResult();
                waiting.Clear(); // answered: a failure further on must not hand them to the next pass

                while (await PublishOperationalEventsAsync(stoppingToken) == BatchSize)
                {
                }

                await signal.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or MassTransitException or TimeoutException or OperationCanceledException or InvalidOperationException
                or RabbitMQClientException or IOException)
            {
                signal.WaitAgain(waiting);
                LogPublishFailed(ex);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    /// <param name="waitForOtherPublishers">
    /// Wait for rows another instance is publishing rather than skip them, so that when this returns, every change
    /// committed before it started is out (whoever published it).
    /// </param>
    /// <returns>How many outbox rows were published.</returns>
    internal async Task<int> PublishBatchAsync(CancellationToken cancellationToken, bool waitForOtherPublishers = false)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            $"""
            SELECT o.id, o.webhook_id, o.created_at, w.{WebhookStore.Columns.Replace(", ", ", w.", StringComparison.Ordinal)}
            FROM webhook_outbox o LEFT JOIN webhooks w ON w.id = o.webhook_id
            ORDER BY o.id
            LIMIT {BatchSize}
            FOR UPDATE OF o {(waitForOtherPublishers ? "" : "SKIP LOCKED")}
            """, connection, transaction);

        var outboxIds = new List<long>();
        var changes = new List<object>();
        var seen = new HashSet<long>();
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                outboxIds.Add(reader.GetInt64(0));
                var webhookId = reader.GetInt64(1);
                // Several changes of one webhook in a batch: its current state once is enough.
                if (!seen.Add(webhookId)) continue;
                changes.Add(reader.IsDBNull(3)
                    ? new WebhookDeleted(webhookId, reader.GetFieldValue<DateTimeOffset>(2))
                    : new WebhookUpserted(store.Read(reader, offset: 3).ToSubscription()));
            }
        }

        if (outboxIds.Count == 0) return 0;

        // The changes are committed (their outbox rows are): the route is synced with them before anyone hears of them.
        await route.SyncAsync(cancellationToken);
        foreach (var change in changes)
        {
            switch (change)
            {
                case WebhookUpserted upserted:
                    await bus.Publish(upserted, cancellationToken);
                    LogPublished("upserted", upserted.Webhook.WebhookId);
                    break;
                case WebhookDeleted deleted:
                    await bus.Publish(deleted, cancellationToken);
                    LogPublished("deleted", deleted.WebhookId);
                    break;
            }
        }

        await using var delete = new NpgsqlCommand("DELETE FROM webhook_outbox WHERE id = ANY($1)", connection, transaction);
        delete.Parameters.Add(new() { Value = outboxIds.ToArray() });
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return outboxIds.Count;
    }

    /// <summary>
    /// Publishes recorded operational events (<c>WebhookDisabled</c>) the way the gateway publishes station events, as a
    /// <see cref="StationEventBatch"/> (with no station), so the dispatcher delivers them to the webhooks that name them
    /// like any event: same log, ladder and signature. Removed once the broker confirmed them; a crash in between
    /// publishes them again, with the same event id (the receiver's dedupe key).
    /// </summary>
    /// <returns>How many events were published.</returns>
    internal async Task<int> PublishOperationalEventsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            $"""
            SELECT id, event_id, event, payload::text, occurred_at FROM operational_event_outbox
            ORDER BY id LIMIT {BatchSize} FOR UPDATE SKIP LOCKED
            """, connection, transaction);
        var ids = new List<long>();
        var events = new List<StationEvent>();
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt64(0));
                using var payload = JsonDocument.Parse(reader.GetString(3));
                events.Add(new StationEvent(reader.GetGuid(1), reader.GetString(2), StationId: "",
                    reader.GetFieldValue<DateTimeOffset>(4), payload.RootElement.Clone()));
            }
        }

        if (ids.Count == 0) return 0;
        await bus.Publish(new StationEventBatch(events), cancellationToken);
        foreach (var published in events) LogPublishedEvent(published.Event, published.EventId);

        await using var delete = new NpgsqlCommand("DELETE FROM operational_event_outbox WHERE id = ANY($1)", connection, transaction);
        delete.Parameters.Add(new() { Value = ids.ToArray() });
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ids.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published operational event {Event} {EventId}")]
    private partial void LogPublishedEvent(string @event, Guid eventId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published webhook {Change} for webhook {WebhookId}")]
    private partial void LogPublished(string change, long webhookId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing webhook changes failed; retrying")]
    private partial void LogPublishFailed(Exception exception);
}
