namespace Pipelet.Simulator.Stations;

/// <summary>What a CSMS command may read or change on a station.</summary>
internal interface IChargePointState
{
    string StationId { get; }

    int ConnectorCount { get; }

    StationConfiguration Configuration { get; }

    ChargingSession Session { get; }

    int LocalListVersion { get; set; }
}
