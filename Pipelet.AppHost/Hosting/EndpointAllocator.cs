namespace Pipelet.AppHost.Hosting;

/// <summary>
/// Gives every endpoint its port before anything starts: the fixed ones are checked to be free,
/// the others get free ports, all distinct.
/// </summary>
internal static class EndpointAllocator
{
    public static void Allocate(IEnumerable<IResourceWithEndpoints> resources, Func<int, bool> isFree, Func<int> nextFreePort)
    {
        var endpoints = resources.SelectMany(r => r.Endpoints.Select(e => (Resource: r, Endpoint: e))).ToList();
        var taken = new HashSet<int>();
        foreach (var (resource, endpoint) in endpoints.Where(x => x.Endpoint.Port is not null))
        {
            var port = endpoint.Port!.Value;
            if (!taken.Add(port))
            {
                throw new PortInUseException($"Port {port} is asked for twice (again by {resource.Name}/{endpoint.Name}).");
            }

            if (!isFree(port))
            {
                throw new PortInUseException(
                    $"Port {port} for {resource.Name} ({endpoint.Name}) is already in use. Stop what listens there " +
                    "(another AppHost?) or choose other public ports (AppHost__ApiPort, AppHost__OcppPort).");
            }

            endpoint.AllocatedPort = port;
        }

        foreach (var (_, endpoint) in endpoints.Where(x => x.Endpoint.Port is null))
        {
            int port;
            do port = nextFreePort();
            while (!taken.Add(port));
            endpoint.AllocatedPort = port;
        }
    }
}

public sealed class PortInUseException(string message) : Exception(message);
