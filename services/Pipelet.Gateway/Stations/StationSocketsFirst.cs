using Microsoft.AspNetCore.Http.Features;

namespace Pipelet.Gateway.Stations;

/// <summary>
/// A station's WebSocket upgrade (<c>GET /ocpp/{stationId}</c> asking to upgrade) goes straight to
/// <see cref="StationConnectionHandler"/>, ahead of the application's pipeline. That pipeline's
/// authentication and authorization middlewares (which the web application adds before any of ours) would
/// otherwise each keep an async frame, an API-key handler and a request service scope alive for the socket's
/// lifetime: about 1.3 KB per held station (docs/benchmarks/gateway.md, session 13). Anything else on
/// <c>/ocpp</c> (a plain GET, another method) still takes the routed endpoint, with the same handler.
/// </summary>
internal sealed class StationSocketsFirst : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var handler = app.ApplicationServices.GetRequiredService<StationConnectionHandler>();
        app.MapWhen(IsStationUpgrade, stations =>
        {
            stations.UseWebSockets();
            stations.Run(handler.HandleAsync);
        });
        next(app);
    };

    private static bool IsStationUpgrade(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method)
        && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
        && StationConnectionHandler.IsOcppPath(context.Request.Path);
}
