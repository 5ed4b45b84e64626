using System.Net.WebSockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipelet.Gateway.Stations;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// The registry on a real database when a station moves between two instances: whichever write lands
/// first, exactly one side learns that the older socket must close.
/// </summary>
public sealed class StationDirectoryTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private NpgsqlDataSource _database = null!;
    private StationDirectory _first = null!;
    private StationDirectory _second = null!;

    public async Task InitializeAsync()
    {
        _database = NpgsqlDataSource.Create(await infrastructure.CreateDatabaseAsync());
        await DatabaseMigrations.ApplyAsync(_database, typeof(StationDirectory).Assembly, NullLogger.Instance, CancellationToken.None);
        _first = new StationDirectory(_database, new GatewayInstance("gw-first"));
        _second = new StationDirectory(_database, new GatewayInstance("gw-second"));
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task The_new_holder_names_the_instance_it_took_the_station_from()
    {
        var old = Session("CP-A", 0);
        var moved = Session("CP-A", 1);

        var recorded = await Write(_first, old);
        Assert.Empty(recorded.Moved);
        Assert.Empty(recorded.Superseded);
        var changes = await Write(_second, moved);

        var move = Assert.Single(changes.Moved);
        Assert.Same(moved, move.Session);
        Assert.Equal("gw-first", move.PreviousInstanceId);
        Assert.Empty(changes.Superseded);
    }

    [Fact]
    public async Task An_older_session_written_after_the_newer_one_is_superseded_and_leaves_the_row_alone()
    {
        var old = Session("CP-B", 0);
        var moved = Session("CP-B", 1);

        Assert.Empty((await Write(_second, moved)).Moved);
        var changes = await Write(_first, old);

        Assert.Same(old, Assert.Single(changes.Superseded));
        Assert.Empty(changes.Moved);
        await using var holder = _database.CreateCommand("SELECT instance_id FROM station_connections WHERE station_id = 'CP-B'");
        Assert.Equal("gw-second", await holder.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Racing_writes_tell_exactly_one_side_about_every_station()
    {
        for (var round = 0; round < 5; round++)
        {
            var ids = Enumerable.Range(0, 200).Select(i => $"RACE-{round}-{i}").ToList();
            var olds = ids.Select(id => Session(id, 0)).ToList();
            var news = ids.Select(id => Session(id, 1)).ToList();

            var written = await Task.WhenAll(
                Task.Run(() => _first.ApplyAsync(olds, [], [], CancellationToken.None)),
                Task.Run(() => _second.ApplyAsync(news, [], [], CancellationToken.None)));

            var closedByFirst = written[0].Superseded.Select(s => s.StationId).ToHashSet();
            var toldFirst = written[1].Moved.Where(m => m.PreviousInstanceId == "gw-first").Select(m => m.Session.StationId).ToHashSet();
            Assert.Empty(written[0].Moved);
            Assert.Empty(written[1].Superseded);
            Assert.All(ids, id => Assert.True(closedByFirst.Contains(id) ^ toldFirst.Contains(id), $"{id}: superseded {closedByFirst.Contains(id)}, moved {toldFirst.Contains(id)}"));
        }
    }

    private static Task<StationDirectoryChanges> Write(StationDirectory directory, StationSession session) =>
        directory.ApplyAsync([session], [], [], CancellationToken.None);

    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow;

    private static StationSession Session(string stationId, int millisecondsLater) =>
        new(stationId, WebSocket.CreateFromStream(new MemoryStream(), new WebSocketCreationOptions { IsServer = true }),
            Start.AddMilliseconds(millisecondsLater));
}
