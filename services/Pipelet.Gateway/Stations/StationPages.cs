namespace Pipelet.Gateway.Stations;

/// <summary>
/// A page of connected stations across the cluster: this instance's sessions (from memory) merged
/// with the other instances' rows of the registry, both in ordinal order of station id.
/// </summary>
internal sealed class StationPages(StationRegistry registry, StationDirectory directory, GatewayInstance instance)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    /// <summary>Up to <paramref name="limit"/> stations after <paramref name="after"/>, and the cursor of the next page (null on the last).</summary>
    public async Task<(IReadOnlyList<StationConnection> Items, string? NextAfter)> ReadAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        // One more than asked from each side tells whether another page follows.
        var elsewhere = await directory.ListElsewhereAsync(after, limit + 1, cancellationToken);
        var here = registry.Sessions
            .Where(s => s.CloseReason is null) // one we are closing (replaced elsewhere, shutdown) is no longer ours to list
            .Where(s => after is null || string.CompareOrdinal(s.StationId, after) > 0)
            .Select(s => new StationConnection(s.StationId, s.ConnectedAt, s.LastMessageAt, instance.Id))
            .OrderBy(s => s.StationId, StringComparer.Ordinal)
            .Take(limit + 1);
        var merged = here.Concat(elsewhere)
            .OrderBy(s => s.StationId, StringComparer.Ordinal)
            .DistinctBy(s => s.StationId) // mid-move a station may briefly show on both sides; ours is current
            .Take(limit + 1)
            .ToList();
        if (merged.Count <= limit) return (merged, null);
        merged.RemoveAt(limit);
        return (merged, merged[^1].StationId);
    }
}
