using System.Collections.Frozen;
using static Pipelet.Gateway.Ocpp.Schemas.T;

namespace Pipelet.Gateway.Ocpp.Schemas;

/// <summary>
/// The request payloads (and the answers to our commands) of OCPP 1.6 edition 2 (chapter 6, message definitions; chapter 7, types), with
/// the errata applied: StopTransaction's idTag and reason optional, "Celsius" and "Celcius" both valid
/// units, timestamps with fractions and offsets.
/// </summary>
internal static class OcppSchemas
{
    private static readonly OcppType IdToken = CiString(20);

    /// <summary>OCPP 1.6 AuthorizationStatus; also what <c>Gateway:IdTags</c> may give a tag.</summary>
    internal static readonly EnumType AuthorizationStatus = Enum("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx");

    private static readonly OcppType IdTagInfo = Object(
        Optional("expiryDate", Timestamp),
        Optional("parentIdTag", IdToken),
        Required("status", AuthorizationStatus));

    private static readonly OcppType SampledValue = Object(
        Required("value", Text),
        Optional("context", Enum("Interruption.Begin", "Interruption.End", "Sample.Clock", "Sample.Periodic",
            "Transaction.Begin", "Transaction.End", "Trigger", "Other")),
        Optional("format", Enum("Raw", "SignedData")),
        Optional("measurand", Enum(
            "Energy.Active.Export.Register", "Energy.Active.Import.Register",
            "Energy.Reactive.Export.Register", "Energy.Reactive.Import.Register",
            "Energy.Active.Export.Interval", "Energy.Active.Import.Interval",
            "Energy.Reactive.Export.Interval", "Energy.Reactive.Import.Interval",
            "Power.Active.Export", "Power.Active.Import", "Power.Offered",
            "Power.Reactive.Export", "Power.Reactive.Import", "Power.Factor",
            "Current.Import", "Current.Export", "Current.Offered",
            "Voltage", "Frequency", "Temperature", "SoC", "RPM")),
        Optional("phase", Enum("L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1")),
        Optional("location", Enum("Cable", "EV", "Inlet", "Outlet", "Body")),
        Optional("unit", Enum("Wh", "kWh", "varh", "kvarh", "W", "kW", "VA", "kVA", "var", "kvar", "A", "V",
            "K", "Celcius", "Celsius", "Fahrenheit", "Percent")));

    private static readonly OcppType MeterValue = Object(
        Required("timestamp", Timestamp),
        Required("sampledValue", Array(SampledValue, minItems: 1)));

    private static readonly EnumType ChargingRateUnit = Enum("A", "W");

    private static readonly OcppType ChargingSchedule = Object(
        Optional("duration", Integer),
        Optional("startSchedule", Timestamp),
        Required("chargingRateUnit", ChargingRateUnit),
        Required("chargingSchedulePeriod", Array(Object(
            Required("startPeriod", NonNegativeInteger),
            Required("limit", Number),
            Optional("numberPhases", Integer)), minItems: 1)),
        Optional("minChargingRate", Number));

    private static readonly OcppType ChargingProfile = Object(
        Required("chargingProfileId", Integer),
        Optional("transactionId", Integer),
        Required("stackLevel", NonNegativeInteger),
        Required("chargingProfilePurpose", Enum("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")),
        Required("chargingProfileKind", Enum("Absolute", "Recurring", "Relative")),
        Optional("recurrencyKind", Enum("Daily", "Weekly")),
        Optional("validFrom", Timestamp),
        Optional("validTo", Timestamp),
        Required("chargingSchedule", ChargingSchedule));

    private static readonly ObjectType AcceptedOrRejected = Object(Required("status", Enum("Accepted", "Rejected")));

    private static readonly OcppType DataTransfer = Object(
        Required("vendorId", CiString(255)),
        Optional("messageId", CiString(50)),
        Optional("data", Text));

    /// <summary>What a station may send us (Core, Firmware Management, Local Auth List, Reservation, Smart Charging, Remote Trigger).</summary>
    public static FrozenDictionary<string, ObjectType> StationRequests { get; } = new Dictionary<string, ObjectType>
    {
        ["Authorize"] = Object(Required("idTag", IdToken)),
        ["BootNotification"] = Object(
            Required("chargePointVendor", CiString(20)),
            Required("chargePointModel", CiString(20)),
            Optional("chargePointSerialNumber", CiString(25)),
            Optional("chargeBoxSerialNumber", CiString(25)),
            Optional("firmwareVersion", CiString(50)),
            Optional("iccid", CiString(20)),
            Optional("imsi", CiString(20)),
            Optional("meterType", CiString(25)),
            Optional("meterSerialNumber", CiString(25))),
        ["DataTransfer"] = (ObjectType)DataTransfer,
        ["DiagnosticsStatusNotification"] = Object(Required("status", Enum("Idle", "Uploaded", "UploadFailed", "Uploading"))),
        ["FirmwareStatusNotification"] = Object(Required("status", Enum("Downloaded", "DownloadFailed", "Downloading",
            "Idle", "InstallationFailed", "Installing", "Installed"))),
        ["Heartbeat"] = Object(),
        ["MeterValues"] = Object(
            Required("connectorId", NonNegativeInteger),
            Optional("transactionId", Integer),
            Required("meterValue", Array(MeterValue, minItems: 1))),
        ["StartTransaction"] = Object(
            Required("connectorId", PositiveInteger),
            Required("idTag", IdToken),
            Required("meterStart", Integer),
            Optional("reservationId", Integer),
            Required("timestamp", Timestamp)),
        ["StatusNotification"] = Object(
            Required("connectorId", NonNegativeInteger),
            Required("errorCode", Enum("ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature",
                "InternalError", "LocalListConflict", "NoError", "OtherError", "OverCurrentFailure", "OverVoltage",
                "PowerMeterFailure", "PowerSwitchFailure", "ReaderFailure", "ResetFailure", "UnderVoltage", "WeakSignal")),
            Optional("info", CiString(50)),
            Required("status", Enum("Available", "Preparing", "Charging", "SuspendedEVSE", "SuspendedEV", "Finishing",
                "Reserved", "Unavailable", "Faulted")),
            Optional("timestamp", Timestamp),
            Optional("vendorId", CiString(255)),
            Optional("vendorErrorCode", CiString(50))),
        ["StopTransaction"] = Object(
            Optional("idTag", IdToken),
            Required("meterStop", Integer),
            Required("timestamp", Timestamp),
            Required("transactionId", Integer),
            Optional("reason", Enum("EmergencyStop", "EVDisconnected", "HardReset", "Local", "Other", "PowerLoss",
                "Reboot", "Remote", "SoftReset", "UnlockCommand", "DeAuthorized")),
            Optional("transactionData", Array(MeterValue))),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>What the central system may send a station: the commands of the stations API.</summary>
    public static FrozenDictionary<string, ObjectType> CentralSystemRequests { get; } = new Dictionary<string, ObjectType>
    {
        ["CancelReservation"] = Object(Required("reservationId", Integer)),
        ["ChangeAvailability"] = Object(
            Required("connectorId", NonNegativeInteger),
            Required("type", Enum("Inoperative", "Operative"))),
        ["ChangeConfiguration"] = Object(
            Required("key", CiString(50)),
            Required("value", CiString(500))),
        ["ClearCache"] = Object(),
        ["ClearChargingProfile"] = Object(
            Optional("id", Integer),
            Optional("connectorId", NonNegativeInteger),
            Optional("chargingProfilePurpose", Enum("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")),
            Optional("stackLevel", NonNegativeInteger)),
        ["DataTransfer"] = (ObjectType)DataTransfer,
        ["GetCompositeSchedule"] = Object(
            Required("connectorId", NonNegativeInteger),
            Required("duration", NonNegativeInteger),
            Optional("chargingRateUnit", ChargingRateUnit)),
        ["GetConfiguration"] = Object(Optional("key", Array(CiString(50)))),
        ["GetDiagnostics"] = Object(
            Required("location", AnyUri),
            Optional("retries", NonNegativeInteger),
            Optional("retryInterval", NonNegativeInteger),
            Optional("startTime", Timestamp),
            Optional("stopTime", Timestamp)),
        ["GetLocalListVersion"] = Object(),
        ["RemoteStartTransaction"] = Object(
            Optional("connectorId", PositiveInteger),
            Required("idTag", IdToken),
            Optional("chargingProfile", ChargingProfile)),
        ["RemoteStopTransaction"] = Object(Required("transactionId", Integer)),
        ["ReserveNow"] = Object(
            Required("connectorId", NonNegativeInteger),
            Required("expiryDate", Timestamp),
            Required("idTag", IdToken),
            Optional("parentIdTag", IdToken),
            Required("reservationId", Integer)),
        ["Reset"] = Object(Required("type", Enum("Hard", "Soft"))),
        ["SendLocalList"] = Object(
            Required("listVersion", Integer),
            Optional("localAuthorizationList", Array(Object(
                Required("idTag", IdToken),
                Optional("idTagInfo", IdTagInfo)))),
            Required("updateType", Enum("Differential", "Full"))),
        ["SetChargingProfile"] = Object(
            Required("connectorId", NonNegativeInteger),
            Required("csChargingProfiles", ChargingProfile)),
        ["TriggerMessage"] = Object(
            Required("requestedMessage", Enum("BootNotification", "DiagnosticsStatusNotification",
                "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StatusNotification")),
            Optional("connectorId", PositiveInteger)),
        ["UnlockConnector"] = Object(Required("connectorId", PositiveInteger)),
        ["UpdateFirmware"] = Object(
            Required("location", AnyUri),
            Optional("retries", NonNegativeInteger),
            Required("retrieveDate", Timestamp),
            Optional("retryInterval", NonNegativeInteger)),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// What a station may answer to each command (the <c>.conf</c> messages): its CALLRESULT payload is
    /// checked like a CALL's before it goes back to the API caller.
    /// </summary>
    public static FrozenDictionary<string, ObjectType> CentralSystemResponses { get; } = new Dictionary<string, ObjectType>
    {
        ["CancelReservation"] = AcceptedOrRejected,
        ["ChangeAvailability"] = Object(Required("status", Enum("Accepted", "Rejected", "Scheduled"))),
        ["ChangeConfiguration"] = Object(Required("status", Enum("Accepted", "Rejected", "RebootRequired", "NotSupported"))),
        ["ClearCache"] = AcceptedOrRejected,
        ["ClearChargingProfile"] = Object(Required("status", Enum("Accepted", "Unknown"))),
        ["DataTransfer"] = Object(
            Required("status", Enum("Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId")),
            Optional("data", Text)),
        ["GetCompositeSchedule"] = Object(
            Required("status", Enum("Accepted", "Rejected")),
            Optional("connectorId", Integer),
            Optional("scheduleStart", Timestamp),
            Optional("chargingSchedule", ChargingSchedule)),
        ["GetConfiguration"] = Object(
            Optional("configurationKey", Array(Object(
                Required("key", CiString(50)),
                Required("readonly", TrueOrFalse),
                Optional("value", CiString(500))))),
            Optional("unknownKey", Array(CiString(50)))),
        ["GetDiagnostics"] = Object(Optional("fileName", CiString(255))),
        ["GetLocalListVersion"] = Object(Required("listVersion", Integer)),
        ["RemoteStartTransaction"] = AcceptedOrRejected,
        ["RemoteStopTransaction"] = AcceptedOrRejected,
        ["ReserveNow"] = Object(Required("status", Enum("Accepted", "Faulted", "Occupied", "Rejected", "Unavailable"))),
        ["Reset"] = AcceptedOrRejected,
        ["SendLocalList"] = Object(Required("status", Enum("Accepted", "Failed", "NotSupported", "VersionMismatch"))),
        ["SetChargingProfile"] = Object(Required("status", Enum("Accepted", "Rejected", "NotSupported"))),
        ["TriggerMessage"] = Object(Required("status", Enum("Accepted", "Rejected", "NotImplemented"))),
        ["UnlockConnector"] = Object(Required("status", Enum("Unlocked", "UnlockFailed", "NotSupported"))),
        ["UpdateFirmware"] = Object(),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Actions we recognize but do not take from a station (NotSupported rather than NotImplemented):
    /// the central-system actions, and the security whitepaper's station messages we do not serve.
    /// </summary>
    public static FrozenSet<string> RecognizedButNotSupported { get; } = CentralSystemRequests.Keys
        .Where(a => !StationRequests.ContainsKey(a))
        .Concat(["SecurityEventNotification", "SignCertificate", "SignedFirmwareStatusNotification", "LogStatusNotification",
            "CertificateSigned", "DeleteCertificate", "ExtendedTriggerMessage", "GetInstalledCertificateIds", "GetLog",
            "InstallCertificate", "SignedUpdateFirmware"])
        .ToFrozenSet(StringComparer.Ordinal);
}
