namespace Pipelet.Gateway.Stations;

/// <summary>What one registry write found out about sessions held elsewhere.</summary>
/// <param name="Moved">Recorded sessions of stations another instance held until now: that instance closes its old socket.</param>
/// <param name="Superseded">Sessions not recorded because the station has connected again since (here or elsewhere): this instance closes them.</param>
internal sealed record StationDirectoryChanges(IReadOnlyList<StationMove> Moved, IReadOnlyList<StationSession> Superseded)
{
    public static readonly StationDirectoryChanges None = new([], []);
}

/// <summary>A station that another instance held until it connected here.</summary>
internal sealed record StationMove(StationSession Session, string PreviousInstanceId);
