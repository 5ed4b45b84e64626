using System.Collections.Frozen;

namespace Pipelet.Contracts.Events;

/// <summary>
/// The canonical list of the 23 events Pipelet delivers, spelled exactly as the public Event
/// Reference spells them. The gateway publishes only these names, the subscription service validates
/// webhook subscriptions against them, and <c>GET /api/v1/webhooks/events</c> returns them.
/// </summary>
public static class EventCatalogue
{
    /// <summary>Subscribes a webhook to every event, present and future.</summary>
    public const string Wildcard = "*";

    public const string Authorize = nameof(Authorize);
    public const string BootNotification = nameof(BootNotification);
    public const string Heartbeat = nameof(Heartbeat);
    public const string StartTransaction = nameof(StartTransaction);
    public const string StopTransaction = nameof(StopTransaction);
    public const string StatusNotification = nameof(StatusNotification);
    public const string MeterValues = nameof(MeterValues);
    public const string DataTransfer = nameof(DataTransfer);
    public const string ChangeAvailability = nameof(ChangeAvailability);
    public const string ChangeConfiguration = nameof(ChangeConfiguration);
    public const string ClearCache = nameof(ClearCache);
    public const string GetConfiguration = nameof(GetConfiguration);
    public const string RemoteStartTransaction = nameof(RemoteStartTransaction);
    public const string RemoteStopTransaction = nameof(RemoteStopTransaction);
    public const string Reset = nameof(Reset);
    public const string UnlockConnector = nameof(UnlockConnector);
    public const string GetDiagnostics = nameof(GetDiagnostics);
    public const string UpdateFirmware = nameof(UpdateFirmware);
    public const string TriggerMessage = nameof(TriggerMessage);
    public const string ReserveNow = nameof(ReserveNow);
    public const string SendLocalList = nameof(SendLocalList);
    public const string Connect = nameof(Connect);
    public const string Disconnect = nameof(Disconnect);

    /// <summary>All 23 events, in the order of the Event Reference.</summary>
    public static IReadOnlyList<EventDefinition> All { get; } =
    [
        new(Authorize, EventDirection.StationToCsms, "A station is verifying an idTag with the central system."),
        new(BootNotification, EventDirection.StationToCsms, "A station starts up and registers with the CSMS."),
        new(Heartbeat, EventDirection.StationToCsms, "A station sends its periodic keep-alive (typically every 60–300s)."),
        new(StartTransaction, EventDirection.StationToCsms, "A charging session begins."),
        new(StopTransaction, EventDirection.StationToCsms, "A charging session ends."),
        new(StatusNotification, EventDirection.StationToCsms, "A connector changes status (Available, Preparing, Charging, Finishing, Faulted, …)."),
        new(MeterValues, EventDirection.StationToCsms, "A station reports meter readings during a session."),
        new(DataTransfer, EventDirection.Both, "Vendor-specific data exchange."),
        new(ChangeAvailability, EventDirection.CsmsToStation, "The CSMS toggles a connector between Operative and Inoperative."),
        new(ChangeConfiguration, EventDirection.CsmsToStation, "The CSMS writes an OCPP config key."),
        new(ClearCache, EventDirection.CsmsToStation, "The CSMS instructs the station to clear its authorization cache."),
        new(GetConfiguration, EventDirection.CsmsToStation, "The CSMS reads OCPP config keys."),
        new(RemoteStartTransaction, EventDirection.CsmsToStation, "The CSMS triggers a remote start (e.g. via the Headless API)."),
        new(RemoteStopTransaction, EventDirection.CsmsToStation, "The CSMS triggers a remote stop."),
        new(Reset, EventDirection.CsmsToStation, "The CSMS sends a Soft or Hard reset."),
        new(UnlockConnector, EventDirection.CsmsToStation, "The CSMS asks the station to unlock a stuck connector."),
        new(GetDiagnostics, EventDirection.CsmsToStation, "The CSMS requests a diagnostics file upload."),
        new(UpdateFirmware, EventDirection.CsmsToStation, "The CSMS triggers a firmware update."),
        new(TriggerMessage, EventDirection.CsmsToStation, "The CSMS asks a station to re-send a specific message (e.g. BootNotification)."),
        new(ReserveNow, EventDirection.CsmsToStation, "The CSMS reserves a connector for a specific user."),
        new(SendLocalList, EventDirection.CsmsToStation, "The CSMS pushes the local authorization list."),
        new(Connect, EventDirection.Internal, "A station opens its OCPP WebSocket connection."),
        new(Disconnect, EventDirection.Internal, "A station's OCPP WebSocket connection closes."),
    ];

    private static readonly FrozenDictionary<string, EventDefinition> ByName =
        All.ToFrozenDictionary(e => e.Name, StringComparer.Ordinal);

    /// <summary>The event names, case-sensitive, as a webhook must spell them.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>True when <paramref name="name"/> is one of the 23 names, spelled exactly.</summary>
    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    public static bool TryGet(string name, out EventDefinition definition) =>
        ByName.TryGetValue(name, out definition!);

    /// <summary>Pipelet disabled a webhook whose deliveries kept failing (payload: webhook_id, name, url, last_error, since).</summary>
    public const string WebhookDisabled = nameof(WebhookDisabled);

    /// <summary>
    /// Events about Pipelet itself rather than a station. A webhook gets them only by naming them: <see cref="Wildcard"/>
    /// means the station events of <see cref="All"/>, so a subscriber of "*" never receives a kind of message it did
    /// not ask for, and a stations filter does not apply to them (they have no station).
    /// </summary>
    public static IReadOnlyList<EventDefinition> Operational { get; } =
    [
        new(WebhookDisabled, EventDirection.Internal,
            "Pipelet disabled a webhook whose deliveries kept failing: its id, name, url, last error and since when none succeeded."),
    ];

    /// <summary>True when <paramref name="name"/> is one of the <see cref="Operational"/> events, spelled exactly.</summary>
    public static bool IsOperational(string name) => OperationalNames.Contains(name);

    // The fan-out asks this for every (event, webhook) pair: a frozen set, no allocation.
    private static readonly FrozenSet<string> OperationalNames = Operational.Select(e => e.Name).ToFrozenSet(StringComparer.Ordinal);
}
