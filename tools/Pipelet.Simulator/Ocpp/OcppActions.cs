namespace Pipelet.Simulator.Ocpp;

/// <summary>The OCPP 1.6 action names the simulator speaks, as they appear on the wire.</summary>
internal static class OcppActions
{
    // Station -> CSMS
    public const string Authorize = "Authorize";
    public const string BootNotification = "BootNotification";
    public const string DataTransfer = "DataTransfer";
    public const string DiagnosticsStatusNotification = "DiagnosticsStatusNotification";
    public const string FirmwareStatusNotification = "FirmwareStatusNotification";
    public const string Heartbeat = "Heartbeat";
    public const string MeterValues = "MeterValues";
    public const string StartTransaction = "StartTransaction";
    public const string StatusNotification = "StatusNotification";
    public const string StopTransaction = "StopTransaction";

    // CSMS -> station
    public const string CancelReservation = "CancelReservation";
    public const string ChangeAvailability = "ChangeAvailability";
    public const string ChangeConfiguration = "ChangeConfiguration";
    public const string ClearCache = "ClearCache";
    public const string ClearChargingProfile = "ClearChargingProfile";
    public const string GetCompositeSchedule = "GetCompositeSchedule";
    public const string GetConfiguration = "GetConfiguration";
    public const string GetDiagnostics = "GetDiagnostics";
    public const string GetLocalListVersion = "GetLocalListVersion";
    public const string RemoteStartTransaction = "RemoteStartTransaction";
    public const string RemoteStopTransaction = "RemoteStopTransaction";
    public const string ReserveNow = "ReserveNow";
    public const string Reset = "Reset";
    public const string SendLocalList = "SendLocalList";
    public const string SetChargingProfile = "SetChargingProfile";
    public const string TriggerMessage = "TriggerMessage";
    public const string UnlockConnector = "UnlockConnector";
    public const string UpdateFirmware = "UpdateFirmware";

    /// <summary>Every action a station may send, in a fixed order (used to index per-action statistics).</summary>
    public static readonly string[] StationInitiated =
    [
        Authorize, BootNotification, DataTransfer, DiagnosticsStatusNotification, FirmwareStatusNotification,
        Heartbeat, MeterValues, StartTransaction, StatusNotification, StopTransaction,
    ];
}
