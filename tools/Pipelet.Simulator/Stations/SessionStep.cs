namespace Pipelet.Simulator.Stations;

/// <summary>The next CALL of a charging session, in the order a real charger sends them.</summary>
internal enum SessionStep
{
    Authorize,
    StatusPreparing,
    StartTransaction,
    StatusCharging,
    MeterValues,
    StopTransaction,
    StatusFinishing,
    StatusAvailable,
}
