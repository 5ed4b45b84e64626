namespace Pipelet.Simulator.Ocpp.Messages;

internal sealed record MeterValuesRequest(int ConnectorId, IReadOnlyList<MeterValue> MeterValue, int? TransactionId = null);

internal sealed record MeterValue(DateTimeOffset Timestamp, IReadOnlyList<SampledValue> SampledValue);

/// <summary>One reading; OCPP carries the value as a string.</summary>
internal sealed record SampledValue(
    string Value,
    string? Context = null,
    string? Format = null,
    string? Measurand = null,
    string? Phase = null,
    string? Location = null,
    string? Unit = null);
