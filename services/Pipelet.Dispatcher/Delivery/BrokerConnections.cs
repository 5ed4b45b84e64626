using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Plain RabbitMQ.Client connections on <c>ConnectionStrings__rabbitmq</c>, for what MassTransit does not do:
/// the rung queues, their depths, and the station-event intake (<see cref="Intake.StationEventIntake"/>).
/// </summary>
public sealed class BrokerConnections(IConfiguration configuration)
{
    /// <param name="recover">
    /// False for a consumer that reconnects itself: after an automatic recovery the delivery tags of the
    /// old channel would mean nothing, and a late ack of one would close the new channel.
    /// </param>
    public Task<IConnection> OpenAsync(string purpose, CancellationToken cancellationToken, bool recover = true) =>
        new ConnectionFactory
        {
            Uri = new Uri(configuration.GetRequiredConnectionString(Connections.RabbitMqConnectionName)),
            ClientProvidedName = $"pipelet-dispatcher-{purpose}",
            AutomaticRecoveryEnabled = recover,
        }.CreateConnectionAsync(cancellationToken);
}
