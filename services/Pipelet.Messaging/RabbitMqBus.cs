using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The MassTransit bus on the broker of <c>ConnectionStrings__rabbitmq</c> (<see cref="Messaging.RabbitMqConnectionName"/>),
/// the connection string <c>AddRabbitMQClient("rabbitmq")</c> (Aspire.RabbitMQ.Client) reads too.
/// </summary>
public static class RabbitMqBus
{
    /// <summary>
    /// Registers the one MassTransit bus. MassTransit adds its own readiness check (the bus and its receive
    /// endpoints are connected), which <c>/health</c> reports. Its usage telemetry is off: the services
    /// make no calls outside the system.
    /// </summary>
    public static TBuilder AddRabbitMqBus<TBuilder>(
        this TBuilder builder,
        Action<IBusRegistrationConfigurator>? configure = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
        where TBuilder : IHostApplicationBuilder
    {
        var name = Messaging.RabbitMqConnectionName;
        var broker = builder.Configuration.GetConnectionString(name) is { Length: > 0 } value
            ? new Uri(value)
            : throw new InvalidOperationException(
                $"Connection string '{name}' is missing: set ConnectionStrings__{name} (the AppHost does this for you).");
        builder.Services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            configure?.Invoke(x);
            x.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(broker);
                configureBus?.Invoke(context, rabbit);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
