using Microsoft.Extensions.Options;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>An operator refuses idTags with <c>Gateway:IdTags</c>; stations see the verdict in every idTagInfo.</summary>
public sealed class IdTagAuthorizationTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private static readonly Dictionary<string, string?> IdTagList = new()
    {
        ["Gateway:IdTags:TAG_BLOCKED"] = "Blocked",
        ["Gateway:IdTags:TAG_EXPIRED"] = "Expired",
        ["Gateway:IdTags:TAG_INVALID"] = "Invalid",
        ["Gateway:IdTags:TAG_CONCURRENT"] = "ConcurrentTx",
    };

    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString); // a bound queue, or events are not kept
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString, IdTagList);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
    }

    [Theory]
    [InlineData("TAG_BLOCKED", "Blocked")]
    [InlineData("TAG_EXPIRED", "Expired")]
    [InlineData("tag_invalid", "Invalid")] // idTags are case-insensitive (CiString20)
    [InlineData("TAG_CONCURRENT", "ConcurrentTx")]
    [InlineData("TAG_UNLISTED", "Accepted")]
    public async Task A_listed_tag_gets_its_status_in_every_idTagInfo_and_an_unlisted_one_is_accepted(string idTag, string status)
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-IDTAG-" + idTag);

        var authorize = await station.CallResultAsync("Authorize", $$"""{"idTag":"{{idTag}}"}""");
        Assert.Equal(status, authorize.GetProperty("idTagInfo").GetProperty("status").GetString());
        Assert.Equal(idTag, (await _events.NextAsync(station.StationId, "Authorize")).Payload.GetProperty("idTag").GetString());

        // OCPP 1.6 answers a refused StartTransaction with a transactionId too; the station then stops it.
        var start = await station.CallResultAsync("StartTransaction",
            $$"""{"connectorId":1,"idTag":"{{idTag}}","meterStart":100,"timestamp":"2026-07-01T10:00:00Z"}""");
        Assert.Equal(status, start.GetProperty("idTagInfo").GetProperty("status").GetString());
        var transactionId = start.GetProperty("transactionId").GetInt32();

        var stop = await station.CallResultAsync("StopTransaction",
            $$"""{"transactionId":{{transactionId}},"idTag":"{{idTag}}","meterStop":100,"timestamp":"2026-07-01T10:00:05Z","reason":"DeAuthorized"}""");
        Assert.Equal(status, stop.GetProperty("idTagInfo").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_status_OCPP_does_not_define_stops_the_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayServer.StartAsync(
            infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?> { ["Gateway:IdTags:LOST_CARD"] = "Stolen" }));
        Assert.Contains("Gateway:IdTags:LOST_CARD is 'Stolen'", error.Message, StringComparison.Ordinal);
    }
}
