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
using Pipelet.ServiceDefaults.Problems;

namespace Pipelet.Gateway.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.CommandTimeout > TimeSpan.Zero && o.CommandTimeout <= TimeSpan.FromMinutes(10),
                "Gateway:CommandTimeout must be between 00:00:00.001 and 00:10:00 (hh:mm:ss).")
            .Validate(o => o.EventPublishTimeout > TimeSpan.Zero && o.EventPublishTimeout <= TimeSpan.FromMinutes(2),
                "Gateway:EventPublishTimeout must be between 00:00:00.001 and 00:02:00 (hh:mm:ss).")
            .Validate(o => o.EventStatisticsInterval >= TimeSpan.Zero, "Gateway:EventStatisticsInterval must not be negative (00:00:00 turns it off).")
            .Validate(o => o.WebSocketPingInterval >= TimeSpan.Zero && o.WebSocketPongTimeout >= TimeSpan.Zero,
                "Gateway:WebSocketPingInterval and Gateway:WebSocketPongTimeout must not be negative.")
            .Validate(o => o.StationAuthentication.Stations.Values.All(StationPasswordHasher.IsWellFormed),
                "Gateway:StationAuthentication:Stations values must be password hashes (pbkdf2-sha256$...), never plaintext.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, IdTagListValidator>();

        var instance = GatewayInstance.Create(builder.Configuration[$"{GatewayOptions.SectionName}:InstanceId"]);
        builder.Services.AddSingleton(instance);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GatewayMetrics>();

        builder.AddNpgsqlDataSource("gatewaydb");
        builder.AddDatabaseMigrations<GatewayOptions>();
        builder.AddRabbitMqBus(bus =>
        {
            bus.AddConsumer<StationCommandConsumer>().Endpoint(e =>
            {
                e.Name = instance.QueueName;
                e.Temporary = true; // the queue lives and dies with this instance
            });
        });

        builder.Services.AddSingleton<EventChannels>();
        builder.Services.AddHealthChecks().AddCheck<EventChannelsHealthCheck>("rabbitmq-events", tags: ["ready"]);
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

        builder.AddProblemResponses();
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
        // Stations never carry an API key and read no problem details: their sockets skip these middlewares,
        // which would otherwise each keep an async frame (and an authentication handler) alive for the socket's lifetime.
        app.UseWhen(context => !StationConnectionHandler.IsOcppPath(context.Request.Path), api =>
        {
            api.UseProblemResponses();
            if (requireApiKey)
            {
                api.UseAuthentication();
                api.UseApiKeyRateLimiting();
                api.UseAuthorization();
            }

            api.UseJsonBodyCheck();
        });

        app.MapGet(StationConnectionHandler.Route, (HttpContext context, StationConnectionHandler handler) => handler.HandleAsync(context));
        app.MapStationsApi(requireApiKey);
        return app;
    }

    private static bool RequiresApiKey(IConfiguration configuration) =>
        configuration.GetValue($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.RequireApiKey)}", true);
}
