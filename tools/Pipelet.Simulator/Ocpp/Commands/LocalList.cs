using System.Text.Json;

namespace Pipelet.Simulator.Ocpp.Commands;

internal sealed record SendLocalListRequest(int ListVersion, string UpdateType, IReadOnlyList<JsonElement>? LocalAuthorizationList = null);

internal sealed record GetLocalListVersionResponse(int ListVersion);
