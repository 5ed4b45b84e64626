using System.Net.WebSockets;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Infrastructure;

/// <summary>Test stations connect to the in-process gateway (<see cref="GatewayServer"/>) by naming it.</summary>
internal static class GatewayStations
{
    extension(TestStation)
    {
        public static Task<TestStation> ConnectAsync(GatewayServer gateway, string stationId, string? encodedId = null,
            Action<ClientWebSocketOptions>? configure = null, string? subprotocol = "ocpp1.6") =>
            TestStation.ConnectAsync(gateway.OcppUri, stationId, encodedId, configure, subprotocol);
    }
}
