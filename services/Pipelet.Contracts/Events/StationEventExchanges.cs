namespace Pipelet.Contracts.Events;

/// <summary>
/// Where the gateway's <see cref="StationEventBatch"/> messages go on RabbitMQ, named once for every service. The
/// gateway publishes to <see cref="Gateway"/> (mandatory, persistent, confirmed). The subscription service binds that
/// exchange to MassTransit's exchange for the message type (<see cref="MessageType"/>, where the dispatcher's queues
/// are bound) only while some webhook is enabled; otherwise the broker hands each batch to the alternate exchange
/// (<see cref="Unwanted"/>), whose one queue (<see cref="UnwantedQueue"/>) drops it on arrival: confirmed, kept by
/// nobody, and neither stored nor delivered. With the route bound but no queue behind MassTransit's exchange, the
/// broker returns the batch (the alternate exchange is only used when the gateway's exchange routes nowhere).
/// </summary>
public static class StationEventExchanges
{
    /// <summary>The gateway's own fanout exchange, with <see cref="Unwanted"/> as its alternate exchange.</summary>
    public const string Gateway = "pipelet-station-events";

    /// <summary>The fanout exchange that takes what <see cref="Gateway"/> could route nowhere.</summary>
    public const string Unwanted = "pipelet-station-events-unwanted";

    /// <summary>The durable queue bound to <see cref="Unwanted"/>: it keeps nothing (<see cref="UnwantedQueueArguments"/>).</summary>
    public const string UnwantedQueue = "pipelet-station-events-unwanted";

    /// <summary>MassTransit's exchange for <see cref="StationEventBatch"/>, to which the dispatcher binds its queues.</summary>
    public const string MessageType = "Pipelet.Contracts.Events:StationEventBatch";

    /// <summary>
    /// <see cref="Gateway"/>'s arguments: everyone who declares it (gateway, subscription service, test taps) must pass
    /// the same ones, or the broker refuses the declaration.
    /// </summary>
    public static Dictionary<string, object?> GatewayArguments() => new() { ["alternate-exchange"] = Unwanted };

    /// <summary>
    /// <see cref="UnwantedQueue"/>'s arguments. A message TTL of 0 drops a message as it arrives, before it is written
    /// anywhere (about half the broker's CPU per message of <c>x-max-length: 0</c> alone, measured on RabbitMQ 3.10),
    /// and a length limit of 0 keeps none in any case.
    /// </summary>
    public static Dictionary<string, object?> UnwantedQueueArguments() => new() { ["x-message-ttl"] = 0, ["x-max-length"] = 0 };
}
