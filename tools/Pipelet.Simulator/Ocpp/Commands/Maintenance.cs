namespace Pipelet.Simulator.Ocpp.Commands;

internal sealed record GetDiagnosticsRequest(string Location, int? Retries = null, int? RetryInterval = null, DateTimeOffset? StartTime = null, DateTimeOffset? StopTime = null);

internal sealed record GetDiagnosticsResponse(string? FileName);

internal sealed record UpdateFirmwareRequest(string Location, DateTimeOffset RetrieveDate, int? Retries = null, int? RetryInterval = null);
