namespace Pipelet.Simulator.Ocpp.Commands;

internal sealed record UnlockConnectorRequest(int ConnectorId);

/// <summary>Type is Inoperative or Operative.</summary>
internal sealed record ChangeAvailabilityRequest(int ConnectorId, string Type);

internal sealed record ReserveNowRequest(int ConnectorId, DateTimeOffset ExpiryDate, string IdTag, int ReservationId, string? ParentIdTag = null);

internal sealed record CancelReservationRequest(int ReservationId);
