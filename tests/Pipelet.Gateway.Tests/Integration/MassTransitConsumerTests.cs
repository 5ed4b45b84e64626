using System.Diagnostics;
using System.Threading.Channels;
using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// The gateway publishes <see cref="StationEventBatch"/> with RabbitMQ.Client, not MassTransit: a MassTransit
/// <c>IConsumer&lt;StationEventBatch&gt;</c> (as the dispatcher has) must read its bytes unchanged, each event's
/// <see cref="StationEvent.TraceParent"/> included, once the gateway's exchange is bound on to MassTransit's.
/// </summary>
public sealed class MassTransitConsumerTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    [Fact]
    public async Task A_MassTransit_consumer_reads_the_gateways_batches()
    {
        const string stationId = "CP-MASSTRANSIT";
        using var listener = ListenTo("Pipelet.Gateway", new System.Collections.Concurrent.ConcurrentQueue<Activity>());
        var received = Channel.CreateUnbounded<ConsumeContext<StationEventBatch>>();
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(new Uri(infrastructure.RabbitMqConnectionString));
            rabbit.ReceiveEndpoint("gateway-tests-station-events", endpoint => endpoint.Consumer(() => new BatchCollector(received.Writer)));
        });
        await bus.StartAsync();
        try
        {
            await StationEventRouting.BindAsync(infrastructure.RabbitMqConnectionString); // as while a webhook is enabled
            await using var gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString);
            await using (var station = await TestStation.ConnectAsync(gateway, stationId))
            {
                await station.CallResultAsync("StartTransaction", Payloads.Start(1));
            }

            // A MassTransit endpoint consumes concurrently: the batches arrive in any order.
            var events = new Dictionary<string, (StationEvent Event, ConsumeContext<StationEventBatch> Batch)>();
            while (events.Count < 3)
            {
                var batch = await NextAsync(received);
                foreach (var stationEvent in batch.Message.Events.Where(e => e.StationId == stationId)) events.Add(stationEvent.Event, (stationEvent, batch));
            }

            var (connect, connectBatch) = events[EventCatalogue.Connect];
            Assert.Equal(stationId, connect.StationId);
            Assert.Equal("application/vnd.masstransit+json", connectBatch.ReceiveContext.ContentType.MediaType);
            Assert.Equal(7, connectBatch.MessageId!.Value.Version); // a new UUIDv7 per batch, not an event's id
            Assert.NotEqual(connect.EventId, connectBatch.MessageId);

            var (start, _) = events[EventCatalogue.StartTransaction];
            Assert.Equal(7, start.EventId.Version);
            Assert.Equal(TimeSpan.Zero, start.Timestamp.Offset);
            Assert.True(start.Payload.GetProperty("transactionId").GetInt32() > 0);
            Assert.Equal(1, start.Payload.GetProperty("connectorId").GetInt32());

            Assert.Equal(stationId, events[EventCatalogue.Disconnect].Event.StationId);
            Assert.All(events.Values, e => Assert.True(ActivityContext.TryParse(e.Event.TraceParent, null, out _), $"{e.Event.Event}: {e.Event.TraceParent}"));
            Assert.Equal(3, events.Values.Select(e => ActivityContext.Parse(e.Event.TraceParent!, null).SpanId).Distinct().Count());
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    [Fact]
    public async Task Each_CALL_starts_its_own_trace_and_its_event_carries_the_publish_span_of_that_trace()
    {
        const string stationId = "CP-TRACED";
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = ListenTo("Pipelet.Gateway", spans);
        var received = Channel.CreateUnbounded<ConsumeContext<StationEventBatch>>();
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(new Uri(infrastructure.RabbitMqConnectionString));
            rabbit.ReceiveEndpoint("gateway-tests-traced-events", endpoint => endpoint.Consumer(() => new BatchCollector(received.Writer)));
        });
        await bus.StartAsync();
        try
        {
            await StationEventRouting.BindAsync(infrastructure.RabbitMqConnectionString); // as while a webhook is enabled
            await using var gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString);
            await using var station = await TestStation.ConnectAsync(gateway, stationId);
            await station.CallResultAsync("Heartbeat", "{}");
            await station.CallResultAsync("Heartbeat", "{}");

            var heartbeats = new List<StationEvent>();
            while (heartbeats.Count < 2)
            {
                var batch = await NextAsync(received);
                heartbeats.AddRange(batch.Message.Events.Where(e => e.StationId == stationId && e.Event == EventCatalogue.Heartbeat));
            }

            var calls = spans.Where(s => s.OperationName == "ocpp Heartbeat" && Equals(s.GetTagItem("ocpp.station_id"), stationId)).ToList();
            Assert.Equal(2, calls.Count);
            Assert.All(calls, call => Assert.Equal(default, call.ParentSpanId)); // roots, not children of the WebSocket request
            Assert.NotEqual(calls[0].TraceId, calls[1].TraceId);
            foreach (var heartbeat in heartbeats)
            {
                var carried = ActivityContext.Parse(heartbeat.TraceParent!, null);
                // The publish span named in the event: a child of its own CALL's span, ended (confirmed) before the answer.
                var publish = Assert.Single(spans, s => s.Kind == ActivityKind.Producer && s.SpanId == carried.SpanId);
                Assert.Equal(carried.TraceId, publish.TraceId);
                Assert.Contains(calls, call => call.SpanId == publish.ParentSpanId && call.TraceId == publish.TraceId);
                Assert.Equal(EventCatalogue.Heartbeat, publish.GetTagItem("pipelet.event"));
                Assert.Equal(heartbeat.EventId.ToString(), publish.GetTagItem("messaging.message.id"));
            }

            Assert.NotEqual(heartbeats[0].TraceParent, heartbeats[1].TraceParent);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static ActivityListener ListenTo(string source, System.Collections.Concurrent.ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static async Task<ConsumeContext<StationEventBatch>> NextAsync(Channel<ConsumeContext<StationEventBatch>> received)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await received.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>A plain MassTransit consumer of the batch message, as the dispatcher declares one.</summary>
    private sealed class BatchCollector(ChannelWriter<ConsumeContext<StationEventBatch>> received) : IConsumer<StationEventBatch>
    {
        public Task Consume(ConsumeContext<StationEventBatch> context) => received.WriteAsync(context).AsTask();
    }
}
