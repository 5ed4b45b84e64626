namespace Pipelet.Simulator.Ocpp.Messages;

/// <summary>idTag and reason are optional (errata); reason defaults to Local when absent.</summary>
internal sealed record StopTransactionRequest(
    int MeterStop,
    DateTimeOffset Timestamp,
    int TransactionId,
    string? Reason = null,
    string? IdTag = null,
    IReadOnlyList<MeterValue>? TransactionData = null);

internal sealed record StopTransactionResponse(IdTagInfo? IdTagInfo = null);
