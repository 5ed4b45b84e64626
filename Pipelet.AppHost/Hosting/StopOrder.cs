namespace Pipelet.AppHost.Hosting;

/// <summary>
/// The reverse of the start order: a resource starts after everything it waits for (its layer is
/// one more than theirs), so layers stop from the highest down, each layer at once.
/// </summary>
internal static class StopOrder
{
    public static IReadOnlyList<IReadOnlyList<Resource>> Layers(IReadOnlyList<Resource> resources)
    {
        var depth = new Dictionary<Resource, int>();
        int DepthOf(Resource resource, int guard)
        {
            if (depth.TryGetValue(resource, out var known)) return known;
            if (guard > resources.Count) throw new InvalidOperationException($"'{resource.Name}' waits for itself through a cycle.");
            var value = resource.WaitsFor.OfType<Resource>().Select(d => DepthOf(d, guard + 1) + 1).DefaultIfEmpty(0).Max();
            depth[resource] = value;
            return value;
        }

        foreach (var resource in resources) DepthOf(resource, 0);
        return resources.GroupBy(r => depth[r]).OrderByDescending(g => g.Key).Select(g => (IReadOnlyList<Resource>)g.ToList()).ToList();
    }
}
