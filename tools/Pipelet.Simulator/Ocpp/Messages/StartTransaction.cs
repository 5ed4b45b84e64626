namespace Pipelet.Simulator.Ocpp.Messages;

internal sealed record StartTransactionRequest(
    int ConnectorId,
    string IdTag,
    int MeterStart,
    DateTimeOffset Timestamp,
    int? ReservationId = null);

internal sealed record StartTransactionResponse(int TransactionId, IdTagInfo IdTagInfo);
