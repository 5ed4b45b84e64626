using System.Diagnostics;
using System.Threading.Channels;
using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// The gateway publishes events with RabbitMQ.Client, not MassTransit: a MassTransit consumer of
/// <see cref="StationEvent"/> (as the dispatcher has) must read them unchanged.
/// </summary>
public sealed class MassTransitConsumerTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    [Fact]
    public async Task A_MassTransit_consumer_reads_the_gateways_events()
    {
        var received = Channel.CreateUnbounded<ConsumeContext<StationEvent>>();
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(new Uri(infrastructure.RabbitMqConnectionString));
            rabbit.ReceiveEndpoint("gateway-tests-station-events", endpoint =>
                endpoint.Handler<StationEvent>(context => received.Writer.WriteAsync(context).AsTask()));
        });
        await bus.StartAsync();
        try
        {
            await using var gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString);
            await using (var station = await TestStation.ConnectAsync(gateway, "CP-MASSTRANSIT"))
            {
                await station.CallResultAsync("StartTransaction", Payloads.Start(1));
            }

            // A MassTransit endpoint consumes concurrently: the three arrive in any order.
            var events = new Dictionary<string, ConsumeContext<StationEvent>>();
            while (events.Count < 3)
            {
                var next = await NextAsync(received);
                events.Add(next.Message.Event, next);
            }

            var connect = events[EventCatalogue.Connect];
            Assert.Equal("CP-MASSTRANSIT", connect.Message.StationId);
            Assert.Equal(connect.Message.EventId, connect.MessageId);
            Assert.Equal("application/vnd.masstransit+json", connect.ReceiveContext.ContentType.MediaType);

            var start = events[EventCatalogue.StartTransaction];
            Assert.Equal(7, start.Message.EventId.Version);
            Assert.Equal(TimeSpan.Zero, start.Message.Timestamp.Offset);
            Assert.True(start.Message.Payload.GetProperty("transactionId").GetInt32() > 0);
            Assert.Equal(1, start.Message.Payload.GetProperty("connectorId").GetInt32());

            Assert.Equal("CP-MASSTRANSIT", events[EventCatalogue.Disconnect].Message.StationId);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    [Fact]
    public async Task Each_CALL_starts_its_own_trace_and_the_MassTransit_consume_of_its_event_continues_it()
    {
        const string stationId = "CP-TRACED";
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Pipelet.Gateway" or "MassTransit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var received = Channel.CreateUnbounded<(StationEvent Event, ActivityTraceId TraceId)>();
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(new Uri(infrastructure.RabbitMqConnectionString));
            rabbit.ReceiveEndpoint("gateway-tests-traced-events", endpoint =>
                endpoint.Handler<StationEvent>(context => received.Writer.WriteAsync((context.Message, Activity.Current?.TraceId ?? default)).AsTask()));
        });
        await bus.StartAsync();
        try
        {
            await using var gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString);
            await using var station = await TestStation.ConnectAsync(gateway, stationId);
            await station.CallResultAsync("Heartbeat", "{}");
            await station.CallResultAsync("Heartbeat", "{}");

            var heartbeats = new List<(StationEvent Event, ActivityTraceId TraceId)>();
            while (heartbeats.Count < 2)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                var next = await received.Reader.ReadAsync(timeout.Token);
                if (next.Event.StationId == stationId && next.Event.Event == EventCatalogue.Heartbeat) heartbeats.Add(next);
            }

            var calls = spans.Where(s => s.OperationName == "ocpp Heartbeat" && Equals(s.GetTagItem("ocpp.station_id"), stationId)).ToList();
            Assert.Equal(2, calls.Count);
            Assert.All(calls, call => Assert.Equal(default, call.ParentSpanId)); // roots, not children of the WebSocket request
            Assert.NotEqual(calls[0].TraceId, calls[1].TraceId);
            Assert.Equal(calls.Select(c => c.TraceId.ToHexString()).Order(), heartbeats.Select(h => h.TraceId.ToHexString()).Order());
            Assert.All(calls, call => Assert.Contains(spans, s => s.Kind == ActivityKind.Producer && s.ParentSpanId == call.SpanId
                && Equals(s.GetTagItem("pipelet.event"), EventCatalogue.Heartbeat)));
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static async Task<ConsumeContext<StationEvent>> NextAsync(Channel<ConsumeContext<StationEvent>> received)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await received.Reader.ReadAsync(timeout.Token);
    }
}
