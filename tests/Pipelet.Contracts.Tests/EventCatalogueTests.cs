using Pipelet.Contracts.Events;

namespace Pipelet.Contracts.Tests;

public sealed class EventCatalogueTests
{
    // The Event Reference's table, in its order and spelling.
    private static readonly string[] Reference =
    [
        "Authorize", "BootNotification", "Heartbeat", "StartTransaction", "StopTransaction",
        "StatusNotification", "MeterValues", "DataTransfer", "ChangeAvailability", "ChangeConfiguration",
        "ClearCache", "GetConfiguration", "RemoteStartTransaction", "RemoteStopTransaction", "Reset",
        "UnlockConnector", "GetDiagnostics", "UpdateFirmware", "TriggerMessage", "ReserveNow",
        "SendLocalList", "Connect", "Disconnect",
    ];

    [Fact]
    public void Lists_the_23_events_of_the_reference_in_its_order() =>
        Assert.Equal(Reference, EventCatalogue.All.Select(e => e.Name));

    [Fact]
    public void Names_are_case_sensitive() =>
        Assert.False(EventCatalogue.IsKnown("starttransaction"));

    [Theory]
    [InlineData("DataTransfer", EventDirection.Both)]
    [InlineData("Connect", EventDirection.Internal)]
    [InlineData("Reset", EventDirection.CsmsToStation)]
    [InlineData("MeterValues", EventDirection.StationToCsms)]
    public void Knows_the_direction_of_each_event(string name, EventDirection direction)
    {
        Assert.True(EventCatalogue.TryGet(name, out var definition));
        Assert.Equal(direction, definition.Direction);
    }

    [Fact]
    public void The_wildcard_is_not_an_event_name() =>
        Assert.False(EventCatalogue.IsKnown(EventCatalogue.Wildcard));

    [Fact]
    public void Every_event_has_a_description() =>
        Assert.All(EventCatalogue.All, e => Assert.False(string.IsNullOrWhiteSpace(e.Description)));
}
