namespace Pipelet.AppHost.Hosting;

/// <summary>What a resource needs from the running application while it starts and runs.</summary>
internal sealed class ResourceContext(ResourceLogger logger, string dataDirectory, CancellationToken stopping)
{
    public ResourceLogger Logger { get; } = logger;

    /// <summary>Where private servers and generated secrets keep their data across runs.</summary>
    public string DataDirectory { get; } = dataDirectory;

    /// <summary>Signalled when the application is asked to stop.</summary>
    public CancellationToken Stopping { get; } = stopping;
}
