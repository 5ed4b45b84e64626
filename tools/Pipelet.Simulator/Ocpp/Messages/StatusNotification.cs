namespace Pipelet.Simulator.Ocpp.Messages;

internal sealed record StatusNotificationRequest(
    int ConnectorId,
    string ErrorCode,
    string Status,
    DateTimeOffset? Timestamp = null,
    string? Info = null);

/// <summary>ChargePointStatus values of OCPP 1.6.</summary>
internal static class ChargePointStatus
{
    public const string Available = "Available";
    public const string Preparing = "Preparing";
    public const string Charging = "Charging";
    public const string SuspendedEV = "SuspendedEV";
    public const string Finishing = "Finishing";
    public const string Reserved = "Reserved";
    public const string Unavailable = "Unavailable";
    public const string Faulted = "Faulted";
}
