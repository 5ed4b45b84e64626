namespace Pipelet.Gateway.Stations;

/// <summary>
/// A page of connected stations across the cluster: this instance's sessions (from memory) merged
/// with the other instances' rows of the registry, both in ordinal order of station id.
/// </summary>
internal sealed class StationPages(StationRegistry registry, StationDirectory directory, GatewayInstance instance)
{
    /// <summary>Up to <paramref name="count"/> stations with an id after <paramref name="after"/> (from the start when null).</summary>
    public async Task<IReadOnlyList<StationConnection>> ReadAsync(string? after, int count, CancellationToken cancellationToken)
    {
        var elsewhere = await directory.ListElsewhereAsync(after, count, cancellationToken);
        var here = registry.Sessions
            .Where(s => s.CloseReason is null) // one we are closing (replaced elsewhere, shutdown) is no longer ours to list
            .Where(s => after is null || string.CompareOrdinal(s.StationId, after) > 0)
            .Select(s => new StationConnection(s.StationId, s.ConnectedAt, s.LastMessageAt, instance.Id))
            .OrderBy(s => s.StationId, StringComparer.Ordinal)
            .Take(count);
        return here.Concat(elsewhere)
            .OrderBy(s => s.StationId, StringComparer.Ordinal)
            .DistinctBy(s => s.StationId) // mid-move a station may briefly show on both sides; ours is current
            .Take(count)
            .ToList();
    }
}
