using System.Diagnostics.Metrics;

namespace Pipelet.Gateway;

/// <summary>The gateway's own instruments (meter <c>Pipelet.Gateway</c>), exported by the service defaults.</summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "Pipelet.Gateway";

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Connections = meter.CreateUpDownCounter<long>("pipelet.gateway.connections", description: "Open station WebSockets.");
        Calls = meter.CreateCounter<long>("pipelet.gateway.calls", description: "CALLs received from stations, by action and outcome.");
        EventsNotStored = meter.CreateCounter<long>("pipelet.gateway.events.not_stored", description: "Events the broker did not confirm.");
        EventBatchSize = meter.CreateHistogram<int>("pipelet.gateway.events.batch_size", unit: "{event}",
            description: "Events per StationEventBatch message the broker confirmed.");
    }

    public UpDownCounter<long> Connections { get; }

    public Counter<long> Calls { get; }

    public Counter<long> EventsNotStored { get; }

    public Histogram<int> EventBatchSize { get; }
}
