namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The broker's connection string, one name for every service: the gateway's channels (Aspire.RabbitMQ.Client)
/// and the MassTransit bus of the dispatcher and the subscription service (<c>Pipelet.Messaging</c>) read it.
/// </summary>
public static class Messaging
{
    public const string RabbitMqConnectionName = "rabbitmq";
}
