using System.Text.Json.Serialization;

namespace Pipelet.Simulator.Reporting;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(FleetReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
