using System.ComponentModel.DataAnnotations;

namespace Pipelet.ServiceDefaults.Telemetry;

/// <summary>
/// How much of the traffic a service traces (section <c>Telemetry</c>, used only while an OTLP exporter is set). Each
/// instance starts at most <see cref="TracesPerSecond"/> new traces a second: below that rate (a developer's
/// simulator session) every CALL is traced, above it (a load test, a busy fleet) a steady sample of them, each trace
/// complete across the services. <c>OTEL_TRACES_SAMPLER</c>, when set, replaces this with the SDK's standard sampler.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>New traces an instance starts per second at most; 0 starts none (spans from other services' traces still follow those).</summary>
    [Range(0, 1_000_000)]
    public double TracesPerSecond { get; set; } = 10;
}
