using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>Plain RabbitMQ.Client connections on <c>ConnectionStrings__rabbitmq</c>, for what MassTransit does not do: the rung queues and their depths.</summary>
public sealed class BrokerConnections(IConfiguration configuration)
{
    public Task<IConnection> OpenAsync(string purpose, CancellationToken cancellationToken) =>
        new ConnectionFactory
        {
            Uri = new Uri(configuration.GetRequiredConnectionString(Connections.RabbitMqConnectionName)),
            ClientProvidedName = $"pipelet-dispatcher-{purpose}",
            AutomaticRecoveryEnabled = true,
        }.CreateConnectionAsync(cancellationToken);
}
