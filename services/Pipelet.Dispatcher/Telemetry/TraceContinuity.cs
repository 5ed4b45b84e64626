using System.Diagnostics;

namespace Pipelet.Dispatcher.Telemetry;

/// <summary>
/// Makes sure a delivery attempt always runs inside an Activity, even when no telemetry exporter is
/// configured: MassTransit only restores the bus trace context, and HttpClient only sends
/// <c>traceparent</c>, when an Activity exists. This listener asks for propagation only (no
/// recording); an OpenTelemetry exporter, when present, still decides what is recorded.
/// </summary>
public static class TraceContinuity
{
    private static readonly ActivityListener Listener = new()
    {
        ShouldListenTo = source => source.Name is "MassTransit" or DeliveryTelemetry.Name,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
        SampleUsingParentId = (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.PropagationData,
    };

    private static int _started;

    public static void Ensure()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0) ActivitySource.AddActivityListener(Listener);
    }
}
