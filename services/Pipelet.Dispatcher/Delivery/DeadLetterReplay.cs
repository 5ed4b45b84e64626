using System.Text.Json;
using MassTransit;
using Npgsql;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Subscriptions;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>A replay that started: its new delivery and the dead letter it replays.</summary>
public sealed record ReplayStarted(Guid DeliveryId, Guid ReplayOf);

/// <summary>
/// Puts dead letters back on a fresh ladder: a new delivery (new id, attempt 1) of the same event to
/// the same webhook, marked on the dead letter so it is replayed once. The mark and the send happen
/// inside one transaction that commits only after the broker confirmed the send.
/// </summary>
public sealed class DeadLetterReplay(NpgsqlDataSource dataSource, IBus bus, WebhookDirectory directory, TimeProvider time)
{
    public enum Outcome { Started, NotFound, AlreadyReplayed, WebhookUnavailable }

    public async Task<(Outcome Outcome, ReplayStarted? Replay)> RetryAsync(Guid failedDeliveryId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            "SELECT webhook_id, event::text, retried_at FROM failed_deliveries WHERE delivery_id = $1 FOR UPDATE", connection, transaction);
        select.Parameters.Add(new() { Value = failedDeliveryId });
        long webhookId;
        string eventJson;
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken)) return (Outcome.NotFound, null);
            if (!reader.IsDBNull(2)) return (Outcome.AlreadyReplayed, null);
            webhookId = reader.GetInt64(0);
            eventJson = reader.GetString(1);
        }

        if (directory.Find(webhookId) is not { Settings.Enabled: true }) return (Outcome.WebhookUnavailable, null);
        var replay = await StartAsync(connection, transaction, failedDeliveryId, webhookId, eventJson, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (Outcome.Started, replay);
    }

    /// <summary>Replays every dead letter of the webhook that failed at or after <paramref name="since"/> and was not replayed yet.</summary>
    public async Task<(Outcome Outcome, IReadOnlyList<ReplayStarted> Replays)> RecoverAsync(long webhookId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (directory.Find(webhookId) is not { Settings.Enabled: true }) return (Outcome.WebhookUnavailable, []);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var select = new NpgsqlCommand("""
            SELECT delivery_id, event::text FROM failed_deliveries
            WHERE webhook_id = $1 AND failed_at >= $2 AND retried_at IS NULL
            ORDER BY delivery_id FOR UPDATE SKIP LOCKED
            """, connection, transaction);
        select.Parameters.Add(new() { Value = webhookId });
        select.Parameters.Add(new() { Value = since });
        var letters = new List<(Guid Id, string EventJson)>();
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) letters.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        var replays = new List<ReplayStarted>(letters.Count);
        foreach (var (id, eventJson) in letters)
        {
            replays.Add(await StartAsync(connection, transaction, id, webhookId, eventJson, cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return (Outcome.Started, replays);
    }

    private async Task<ReplayStarted> StartAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid failedDeliveryId, long webhookId, string eventJson, CancellationToken cancellationToken)
    {
        var stationEvent = JsonSerializer.Deserialize(eventJson, DispatcherJson.Default.StationEvent)
            ?? throw new InvalidOperationException($"Dead letter {failedDeliveryId} holds no event.");
        var now = time.GetUtcNow();
        var replayId = Guid.CreateVersion7(now);
        await using (var mark = new NpgsqlCommand(
            "UPDATE failed_deliveries SET retried_at = $2, retry_delivery_id = $3 WHERE delivery_id = $1", connection, transaction))
        {
            mark.Parameters.Add(new() { Value = failedDeliveryId });
            mark.Parameters.Add(new() { Value = now });
            mark.Parameters.Add(new() { Value = replayId });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }

        var endpoint = await bus.GetSendEndpoint(RetryQueues.DeliveriesAddress);
        await endpoint.Send(new WebhookDelivery(replayId, webhookId, 1, stationEvent, now, now, failedDeliveryId), cancellationToken);
        return new ReplayStarted(replayId, failedDeliveryId);
    }
}
