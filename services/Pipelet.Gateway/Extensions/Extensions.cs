using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pipelet.Gateway.Apis;
using Pipelet.Gateway.Authorization;
using Pipelet.Gateway.Commands;
using Pipelet.Gateway.Events;
using Pipelet.Gateway.Security;
using Pipelet.Gateway.Stations;
using Pipelet.Gateway.Transactions;
using Pipelet.ServiceDefaults.ApiKeys;

namespace Pipelet.Gateway.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, IdTagListValidator>();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, StationPasswordsValidator>();

        var instance = GatewayInstance.Create(builder.Configuration[$"{GatewayOptions.SectionName}:InstanceId"]);
        builder.Services.AddSingleton(instance);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GatewayMetrics>();

        builder.AddNpgsqlDataSource("gatewaydb", configureDataSourceBuilder: DataSourceDefaults.Configure);
        builder.AddDatabaseMigrations<GatewayOptions>();
        builder.AddRabbitMqBus(bus =>
        {
            bus.AddConsumer<StationCommandConsumer>().Endpoint(e =>
            {
                e.Name = instance.QueueName;
                e.Temporary = true; // the queue lives and dies with this instance
            });
        });

        // Events go out on this connection's own channels (EventChannels); its health check makes /health wait for the broker.
        builder.AddRabbitMQClient(Messaging.RabbitMqConnectionName, configureConnectionFactory: factory => factory.ClientProvidedName = "pipelet-gateway");
        builder.Services.AddSingleton<EventChannels>();
        builder.Services.AddSingleton<StationEventPublisher>();
        builder.Services.AddSingleton<TransactionLedger>();
        builder.Services.TryAddSingleton<IIdTagAuthorizer, ConfiguredIdTagAuthorizer>();
        builder.Services.AddSingleton<StationAuthenticator>();
        builder.Services.AddSingleton<StationRegistry>();
        builder.Services.AddSingleton<StationDirectory>();
        builder.Services.AddSingleton<StationCallHandler>();
        builder.Services.AddSingleton<StationConnectionHandler>();
        builder.Services.AddSingleton<StationCommands>();
        builder.Services.AddSingleton<StationPages>();
        builder.Services.AddSingleton<StationDirectoryWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StationDirectoryWriter>());
        builder.Services.AddHostedService<StationDirectoryMaintenance>();

        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        if (RequiresApiKey(builder.Configuration))
        {
            builder.AddApiKeyAuthentication();
        }
    }

    /// <summary>OCPP-J on <c>/ocpp/{stationId}</c> and the stations API on the same port.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseWebSockets();
        var requireApiKey = RequiresApiKey(app.Configuration);
        if (requireApiKey)
        {
            // Stations never carry an API key: their sockets skip these middlewares, which would otherwise
            // each keep an async frame (and an authentication handler) alive for the socket's lifetime.
            app.UseWhen(context => !StationConnectionHandler.IsOcppPath(context.Request.Path), api =>
            {
                api.UseAuthentication();
                api.UseApiKeyRateLimiting();
                api.UseAuthorization();
            });
        }

        app.MapGet(StationConnectionHandler.Route, (HttpContext context, StationConnectionHandler handler) => handler.HandleAsync(context));
        app.MapStationsApi(requireApiKey);
        return app;
    }

    private static bool RequiresApiKey(IConfiguration configuration) =>
        configuration.GetValue($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.RequireApiKey)}", true);
}
