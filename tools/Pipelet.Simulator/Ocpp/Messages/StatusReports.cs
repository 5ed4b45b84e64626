namespace Pipelet.Simulator.Ocpp.Messages;

/// <summary>Sent when the CSMS triggers it (TriggerMessage); status Idle when nothing is going on.</summary>
internal sealed record DiagnosticsStatusNotificationRequest(string Status);

/// <summary>Sent when the CSMS triggers it (TriggerMessage); status Idle when nothing is going on.</summary>
internal sealed record FirmwareStatusNotificationRequest(string Status);
