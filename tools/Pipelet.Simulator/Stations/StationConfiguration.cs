using System.Collections.Frozen;
using System.Globalization;
using Pipelet.Simulator.Ocpp.Commands;

namespace Pipelet.Simulator.Stations;

/// <summary>
/// The station's OCPP configuration keys (1.6 Core profile and a few more), for GetConfiguration and
/// ChangeConfiguration. Defaults are shared; a station only stores the keys changed on it.
/// </summary>
internal sealed class StationConfiguration
{
    public const string HeartbeatInterval = "HeartbeatInterval";
    public const string MeterValueSampleInterval = "MeterValueSampleInterval";

    private sealed record Definition(string DefaultValue, bool Readonly, bool Integer);

    private static readonly FrozenDictionary<string, Definition> Definitions = new Dictionary<string, Definition>
    {
        ["AllowOfflineTxForUnknownId"] = new("false", false, false),
        ["AuthorizationCacheEnabled"] = new("true", false, false),
        ["AuthorizeRemoteTxRequests"] = new("false", false, false),
        ["ClockAlignedDataInterval"] = new("0", false, true),
        ["ConnectionTimeOut"] = new("60", false, true),
        ["GetConfigurationMaxKeys"] = new("50", true, true),
        [HeartbeatInterval] = new("300", false, true),
        ["LocalAuthListEnabled"] = new("true", false, false),
        ["LocalAuthListMaxLength"] = new("1000", true, true),
        ["LocalAuthorizeOffline"] = new("true", false, false),
        ["LocalPreAuthorize"] = new("false", false, false),
        ["MeterValuesAlignedData"] = new("Energy.Active.Import.Register", false, false),
        ["MeterValuesSampledData"] = new("Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC", false, false),
        [MeterValueSampleInterval] = new("60", false, true),
        ["NumberOfConnectors"] = new("1", true, true),
        ["ResetRetries"] = new("3", false, true),
        ["StopTransactionOnEVSideDisconnect"] = new("true", false, false),
        ["StopTransactionOnInvalidId"] = new("true", false, false),
        ["SupportedFeatureProfiles"] = new("Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger", true, false),
        ["TransactionMessageAttempts"] = new("3", false, true),
        ["TransactionMessageRetryInterval"] = new("60", false, true),
        ["UnlockConnectorOnEVSideDisconnect"] = new("true", false, false),
        ["WebSocketPingInterval"] = new("0", false, true),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly Lock _lock = new();
    private Dictionary<string, string>? _changed;

    public StationConfiguration(TimeSpan heartbeat, TimeSpan meterInterval)
    {
        Set(HeartbeatInterval, Seconds(heartbeat));
        Set(MeterValueSampleInterval, Seconds(meterInterval));
    }

    public TimeSpan Heartbeat => TimeSpan.FromSeconds(int.Parse(Get(HeartbeatInterval)!, CultureInfo.InvariantCulture));

    public string? Get(string key)
    {
        lock (_lock)
        {
            if (_changed is not null && _changed.TryGetValue(key, out var value)) return value;
        }

        return Definitions.TryGetValue(key, out var definition) ? definition.DefaultValue : null;
    }

    /// <summary>GetConfiguration.conf: the keys asked for (all when none), and the ones we do not know.</summary>
    public GetConfigurationResponse Read(IReadOnlyList<string>? keys)
    {
        var known = new List<KeyValue>();
        var unknown = new List<string>();
        foreach (var key in keys is { Count: > 0 } ? keys : Definitions.Keys)
        {
            if (Definitions.TryGetValue(key, out var definition)) known.Add(new KeyValue(key, definition.Readonly, Get(key)));
            else unknown.Add(key);
        }

        return new GetConfigurationResponse(known, unknown.Count > 0 ? unknown : null);
    }

    /// <summary>ChangeConfiguration.conf status: Accepted, Rejected (read-only or a bad value) or NotSupported.</summary>
    public string Change(string key, string value)
    {
        if (!Definitions.TryGetValue(key, out var definition)) return "NotSupported";
        if (definition.Readonly) return "Rejected";
        if (definition.Integer && (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 0)) return "Rejected";
        Set(key, value);
        return "Accepted";
    }

    private void Set(string key, string value)
    {
        lock (_lock)
        {
            if (Definitions[key].DefaultValue == value) _changed?.Remove(key);
            else (_changed ??= new(StringComparer.Ordinal))[key] = value;
        }
    }

    private static string Seconds(TimeSpan span) => ((int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
