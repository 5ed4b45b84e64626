using System.Text.Json;

namespace Pipelet.Simulator.Ocpp.Commands;

internal sealed record SetChargingProfileRequest(int ConnectorId, JsonElement CsChargingProfiles);

internal sealed record ClearChargingProfileRequest(int? Id = null, int? ConnectorId = null, string? ChargingProfilePurpose = null, int? StackLevel = null);

internal sealed record GetCompositeScheduleRequest(int ConnectorId, int Duration, string? ChargingRateUnit = null);
