using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Gateway;
using Pipelet.Gateway.Events;
using Pipelet.Gateway.Peers;
using Pipelet.Gateway.Stations;

namespace Pipelet.Gateway.Commands;

/// <summary>
/// Runs a central-system command on a station wherever its socket is: here, or on the instance the
/// registry names (over that instance's own queue, see <see cref="GatewayPeers"/>).
/// </summary>
internal sealed class StationCommands(
    StationRegistry registry,
    StationDirectory directory,
    StationEventPublisher events,
    GatewayInstance instance,
    GatewayPeers peers,
    IOptions<GatewayOptions> options)
{
    /// <summary>Extra time a remote request waits beyond the command timeout, for the hop there and back.</summary>
    private static readonly TimeSpan RemoteMargin = TimeSpan.FromSeconds(5);

    public async Task<StationCommandResult> SendAsync(string stationId, string action, JsonElement payload, CancellationToken cancellationToken)
    {
        var timeout = options.Value.CommandTimeout;
        if (registry.TryGet(stationId, out _))
        {
            return await SendHereAsync(stationId, action, payload, timeout, cancellationToken);
        }

        var holder = await directory.FindAsync(stationId, cancellationToken);
        if (holder is null || holder.InstanceId == instance.Id)
        {
            return new StationCommandResult(stationId, action, StationCommandStatus.NotConnected);
        }

        // Without an answer by then, the holding instance may have died with the station's socket.
        return await peers.SendCommandAsync(holder.InstanceId, new StationCommandRequest(stationId, action, payload, timeout), timeout + RemoteMargin, cancellationToken);
    }

    /// <summary>Runs the command on a socket this instance holds; NotConnected when it holds none.</summary>
    public async Task<StationCommandResult> SendHereAsync(string stationId, string action, JsonElement payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(stationId, out var session))
        {
            return new StationCommandResult(stationId, action, StationCommandStatus.NotConnected);
        }

        try
        {
            return await session.CallAsync(action, payload, timeout, () => PublishCommandEventAsync(stationId, action, payload, cancellationToken), cancellationToken);
        }
        catch (EventNotStoredException)
        {
            return new StationCommandResult(stationId, action, StationCommandStatus.EventNotStored);
        }
    }

    /// <summary>
    /// Every command we send becomes an event, published before the frame goes out so that a command
    /// reaching a station always has its event. Commands outside the 23-event catalogue (CancelReservation,
    /// GetLocalListVersion, the smart-charging ones) have no event name to publish under.
    /// </summary>
    private Task PublishCommandEventAsync(string stationId, string action, JsonElement payload, CancellationToken cancellationToken) =>
        EventCatalogue.TryGet(action, out var definition) && definition.Direction is EventDirection.CsmsToStation or EventDirection.Both
            ? events.PublishAsync(action, stationId, events.Now(), payload, cancellationToken)
            : Task.CompletedTask;
}
