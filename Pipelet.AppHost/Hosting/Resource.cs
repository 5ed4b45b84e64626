namespace Pipelet.AppHost.Hosting;

/// <summary>
/// Base of every resource: its name, what it waits for, its state and the addresses shown in the
/// summary table. The runtime part (start, stop) is what Aspire's orchestrator would do for it.
/// </summary>
public abstract class Resource(string name) : IResourceWithWaitSupport
{
    private readonly List<IResource> _waitFor = [];
    private readonly List<ResourceUrl> _urls = [];

    public string Name { get; } = name;

    public IReadOnlyList<IResource> WaitsFor => _waitFor;

    public ResourceState State { get; internal set; } = ResourceState.NotStarted;

    /// <summary>Addresses a person would open, shown in the summary table.</summary>
    public IReadOnlyList<ResourceUrl> Urls => _urls;

    /// <summary>False for resources that are only values (parameters): left out of the table.</summary>
    public virtual bool IsShownInTable => true;

    public void AddWaitFor(IResource resource)
    {
        if (!_waitFor.Contains(resource)) _waitFor.Add(resource);
    }

    public void AddUrl(ResourceUrl url) => _urls.Add(url);

    /// <summary>Starts the resource and returns once it is ready for those that wait for it.</summary>
    internal abstract Task StartAsync(ResourceContext context, CancellationToken cancellationToken);

    /// <summary>Stops the resource, forcibly after <paramref name="grace"/>.</summary>
    internal abstract Task StopAsync(TimeSpan grace);

    /// <summary>Completes if a server the resource started dies; null when there is none to watch.</summary>
    internal virtual Task? ProcessExited => null;

    /// <summary>The addresses of the table: the declared ones, or the resource's own.</summary>
    internal virtual IEnumerable<ResourceUrl> DisplayUrls() => _urls;
}

/// <summary>An address of a resource with a short label (Aspire's <c>WithUrl</c>).</summary>
public sealed record ResourceUrl(string Url, string? DisplayText = null);
