namespace Pipelet.Simulator.Ocpp.Commands;

/// <summary>RequestedMessage is BootNotification, DiagnosticsStatusNotification, FirmwareStatusNotification,
/// Heartbeat, MeterValues or StatusNotification.</summary>
internal sealed record TriggerMessageRequest(string RequestedMessage, int? ConnectorId = null);
