namespace Pipelet.Simulator.Ocpp.Messages;

internal sealed record BootNotificationRequest(
    string ChargePointVendor,
    string ChargePointModel,
    string? ChargePointSerialNumber = null,
    string? FirmwareVersion = null,
    string? MeterType = null);

/// <summary>Status is Accepted, Pending or Rejected; interval is seconds (an integer, per the errata).</summary>
internal sealed record BootNotificationResponse(string Status, DateTimeOffset CurrentTime, int Interval);
