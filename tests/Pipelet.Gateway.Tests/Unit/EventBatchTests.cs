using System.Text.Json;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Events;

namespace Pipelet.Gateway.Tests.Unit;

/// <summary>What one StationEventBatch takes from the events waiting: everything there, up to the caps, oldest first.</summary>
public sealed class EventBatchTests
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement;

    [Fact]
    public void Takes_every_event_waiting_up_to_the_count_cap_and_leaves_the_rest_in_order()
    {
        var waiting = Waiting(Events(5));
        PendingEvent? carry = null;

        using var first = EventBatch.Take(waiting, ref carry, maxEvents: 3, maxBytes: 1 << 20);
        using var second = EventBatch.Take(waiting, ref carry, maxEvents: 3, maxBytes: 1 << 20);
        using var third = EventBatch.Take(waiting, ref carry, maxEvents: 3, maxBytes: 1 << 20);

        Assert.Equal(["E0", "E1", "E2"], Names(first));
        Assert.Equal(["E3", "E4"], Names(second));
        Assert.Equal(0, third.Count);
        Assert.Equal(0, waiting.Count);
        Assert.Null(carry);
    }

    [Fact]
    public void An_event_that_would_overflow_the_byte_cap_opens_the_next_batch()
    {
        var events = Events(3);
        var waiting = Waiting(events);
        PendingEvent? carry = null;
        var twoEvents = events[0].Length + events[1].Length;

        using var first = EventBatch.Take(waiting, ref carry, maxEvents: 10, maxBytes: twoEvents);
        Assert.Equal(["E0", "E1"], Names(first));
        Assert.Equal(twoEvents, first.Bytes);
        Assert.Same(events[2], carry);

        using var second = EventBatch.Take(waiting, ref carry, maxEvents: 10, maxBytes: twoEvents);
        Assert.Equal(["E2"], Names(second));
        Assert.Null(carry);
    }

    [Fact]
    public void An_event_larger_than_the_byte_cap_still_goes_alone()
    {
        var waiting = Waiting(Events(2));
        PendingEvent? carry = null;

        using var first = EventBatch.Take(waiting, ref carry, maxEvents: 10, maxBytes: 1);
        using var second = EventBatch.Take(waiting, ref carry, maxEvents: 10, maxBytes: 1);

        Assert.Equal(["E0"], Names(first));
        Assert.Equal(["E1"], Names(second));
    }

    [Fact]
    public void Events_whose_callers_gave_up_are_dropped_not_published()
    {
        var events = Events(3);
        events[1].Abandon();
        var waiting = Waiting(events);
        PendingEvent? carry = null;

        using var batch = EventBatch.Take(waiting, ref carry, maxEvents: 10, maxBytes: 1 << 20);

        Assert.Equal(["E0", "E2"], Names(batch));
    }

    [Fact]
    public async Task Confirming_or_failing_a_batch_completes_each_of_its_events()
    {
        var waiting = Waiting(Events(4));
        PendingEvent? carry = null;
        using var confirmed = EventBatch.Take(waiting, ref carry, maxEvents: 2, maxBytes: 1 << 20);
        using var failed = EventBatch.Take(waiting, ref carry, maxEvents: 2, maxBytes: 1 << 20);
        var receipt = new EventBatchReceipt(Guid.CreateVersion7(), 2);

        confirmed.Confirm(receipt);
        failed.Fail(new TimeoutException());

        Assert.All(confirmed.Events, e => Assert.Equal(receipt, e.Completion.Result));
        foreach (var e in failed.Events) await Assert.ThrowsAsync<TimeoutException>(() => e.Completion);
    }

    [Fact]
    public void Each_event_is_written_as_MassTransit_writes_a_StationEvent()
    {
        var stationEvent = new StationEvent(Guid.CreateVersion7(), "Heartbeat", "CP-1", new DateTimeOffset(2026, 11, 21, 19, 0, 0, 123, TimeSpan.Zero),
            JsonDocument.Parse("""{"a":1}""").RootElement, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        using var pending = new PendingEvent(stationEvent);

        using var written = JsonDocument.Parse(pending.Json);
        var root = written.RootElement;
        Assert.Equal(stationEvent.EventId, root.GetProperty("eventId").GetGuid());
        Assert.Equal("Heartbeat", root.GetProperty("event").GetString());
        Assert.Equal("CP-1", root.GetProperty("stationId").GetString());
        Assert.Equal(stationEvent.Timestamp, root.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal(1, root.GetProperty("payload").GetProperty("a").GetInt32());
        Assert.Equal(stationEvent.TraceParent, root.GetProperty("traceParent").GetString());
        Assert.Equal(stationEvent, JsonSerializer.Deserialize<StationEvent>(pending.Json.Span, JsonSerializerOptions.Web)! with { Payload = stationEvent.Payload });
    }

    [Fact]
    public void The_payload_travels_as_the_station_wrote_it()
    {
        const string payload = """{ "vendorId": "Wallbox", "data": "Zähler \u00e9" }""";
        using var body = JsonDocument.Parse(payload);
        using var pending = new PendingEvent(new StationEvent(Guid.CreateVersion7(), "DataTransfer", "CP-1", DateTimeOffset.UnixEpoch, body.RootElement));

        Assert.Contains(payload, System.Text.Encoding.UTF8.GetString(pending.Json.Span), StringComparison.Ordinal);
    }

    private static PendingEvent[] Events(int count) =>
        Enumerable.Range(0, count).Select(i => new PendingEvent(new StationEvent(Guid.CreateVersion7(), $"E{i}", "CP-1", DateTimeOffset.UnixEpoch, Empty))).ToArray();

    private static WaitingEvents Waiting(IEnumerable<PendingEvent> events)
    {
        var waiting = new WaitingEvents(singleReader: true);
        foreach (var e in events) waiting.TryWrite(e);
        return waiting;
    }

    private static string[] Names(EventBatch batch) =>
        batch.Events.Select(e => JsonDocument.Parse(e.Json).RootElement.GetProperty("event").GetString()!).ToArray();
}
