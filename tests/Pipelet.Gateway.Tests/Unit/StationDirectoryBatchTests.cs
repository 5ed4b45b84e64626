using System.Net.WebSockets;
using Pipelet.Gateway.Stations;

namespace Pipelet.Gateway.Tests.Unit;

/// <summary>How connects and disconnects gathered between two registry writes collapse into one write.</summary>
public sealed class StationDirectoryBatchTests
{
    [Fact]
    public void A_session_that_opened_and_closed_between_writes_is_only_removed()
    {
        var batch = new StationDirectoryBatch();
        var session = Session("CP-1");
        batch.Connect(session);
        batch.Disconnect(session);

        Assert.Empty(batch.Connects);
        Assert.Same(session, Assert.Single(batch.Disconnects));
    }

    [Fact]
    public void The_newest_session_of_a_station_is_recorded_and_the_older_one_removed()
    {
        var batch = new StationDirectoryBatch();
        var older = Session("CP-2");
        var newer = Session("CP-2");
        batch.Connect(older);
        batch.Connect(newer);
        batch.Disconnect(older);

        Assert.Same(newer, Assert.Single(batch.Connects));
        Assert.Same(older, Assert.Single(batch.Disconnects));
    }

    [Fact]
    public void Clear_empties_the_batch()
    {
        var batch = new StationDirectoryBatch();
        batch.Connect(Session("CP-3"));
        batch.Disconnect(Session("CP-4"));
        batch.Spoken(Session("CP-5"));
        Assert.False(batch.IsEmpty);

        batch.Clear();

        Assert.True(batch.IsEmpty);
        Assert.Empty(batch.Spoke);
    }

    private static StationSession Session(string stationId) =>
        new(stationId, WebSocket.CreateFromStream(new MemoryStream(), new WebSocketCreationOptions { IsServer = true }), DateTimeOffset.UtcNow);
}
