namespace Pipelet.Contracts.Events;

/// <summary>
/// The bus message from the gateway to the dispatcher: the station events the gateway had ready when it
/// published, in the order it received them (one event when stations are quiet, up to the gateway's batch
/// limit under load). RabbitMQ's cost is per message, not per byte, so events share a message, a publisher
/// confirm, a delivery and an ack; each event still has its own id, trace and webhook deliveries. A
/// consumer acknowledges the batch once every event in it has a durable outcome; a redelivered batch is
/// replayed event by event, which the consumer's delivery log makes idempotent.
/// </summary>
/// <param name="Events">One or more events, oldest first.</param>
public sealed record StationEventBatch(IReadOnlyList<StationEvent> Events);
