using System.Text.Json;

namespace Pipelet.Simulator.Ocpp.Commands;

internal sealed record RemoteStartTransactionRequest(string IdTag, int? ConnectorId = null, JsonElement? ChargingProfile = null);

internal sealed record RemoteStopTransactionRequest(int TransactionId);
