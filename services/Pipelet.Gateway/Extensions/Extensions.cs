using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pipelet.Gateway.Apis;
using Pipelet.Gateway.Authorization;
using Pipelet.Gateway.Commands;
using Pipelet.Gateway.Events;
using Pipelet.Gateway.Peers;
using Pipelet.Gateway.Security;
using Pipelet.Gateway.Stations;
using Pipelet.Gateway.Transactions;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.Http;
using Pipelet.ServiceDefaults.OpenApi;
using Pipelet.ServiceDefaults.Problems;

namespace Pipelet.Gateway.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.SectionName);
        builder.UseInlineSocketIo();
        builder.UseStationUpgradesBelowHttp();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, IdTagListValidator>();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, StationPasswordsValidator>();

        var instance = GatewayInstance.Create(builder.Configuration[$"{GatewayOptions.SectionName}:InstanceId"]);
        builder.Services.AddSingleton(instance);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GatewayMetrics>();

        builder.AddNpgsqlDataSource("gatewaydb", configureDataSourceBuilder: DataSourceDefaults.Configure);
        builder.AddDatabaseMigrations<GatewayOptions>();
        // Events (EventChannels) and messages to other instances (GatewayPeers, PeerInbox) go out on this connection;
        // its health check makes /health wait for the broker.
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
        builder.Services.AddSingleton<IStartupFilter, StationSocketsFirst>();
        builder.Services.AddSingleton<StationCommands>();
        builder.Services.AddSingleton<GatewayPeers>();
        builder.Services.AddHostedService<PeerInbox>();
        builder.Services.AddSingleton<StationPages>();
        builder.Services.AddSingleton<StationDirectoryWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StationDirectoryWriter>());
        builder.Services.AddHostedService<StationDirectoryMaintenance>();

        builder.AddProblemResponses();
        builder.AddApiJson();
        if (RequiresApiKey(builder.Configuration))
        {
            builder.AddApiKeyAuthentication();
        }

        // The stations API's description, which the public edge reads to learn what it forwards here.
        builder.AddPublicApiDocument();
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
            if (requireApiKey) api.UseApiKeyPipeline();
            api.UseJsonBodyCheck();
        });

        // Upgrades take StationSocketsFirst's branch, ahead of this pipeline; this route answers the rest (a plain GET gets its 400).
        app.MapGet(StationConnectionHandler.Route, (HttpContext context, StationConnectionHandler handler) => handler.HandleAsync(context))
            .ExcludeFromDescription(); // stations' sockets, not the public API
        app.MapStationsApi(requireApiKey);
        app.MapOpenApi();
        return app;
    }

    /// <summary>
    /// Runs socket continuations on the I/O threads (see <see cref="GatewayOptions.InlineSocketIo"/>). The runtime reads
    /// its switch once, when the first socket starts its event loop: this runs before any socket exists.
    /// </summary>
    private static void UseInlineSocketIo(this IHostApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.InlineSocketIo)}", true)) return;
        const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null) Environment.SetEnvironmentVariable(InlineCompletions, "1");
        builder.Services.Configure<SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = true);
    }

    /// <summary>Station upgrades answered below HTTP (see <see cref="GatewayOptions.StationUpgradesBelowHttp"/>), on every endpoint.</summary>
    private static void UseStationUpgradesBelowHttp(this IHostApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.StationUpgradesBelowHttp)}", true)) return;
        // Ahead of TLS on an https endpoint: there it sees a TLS handshake, not a request, and hands every connection on.
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
            listen.Use(next => ActivatorUtilities.CreateInstance<StationSocketsBelowHttp>(listen.ApplicationServices, next).OnConnectedAsync)));
    }

    private static bool RequiresApiKey(IConfiguration configuration) =>
        configuration.GetValue($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.RequireApiKey)}", true);
}
