namespace Pipelet.AppHost.Hosting;

/// <summary>Something the AppHost runs or points at, known by a name (as in Aspire.Hosting).</summary>
public interface IResource
{
    string Name { get; }
}

/// <summary>A resource others reach through <c>ConnectionStrings__&lt;name&gt;</c>.</summary>
public interface IResourceWithConnectionString : IResource
{
    /// <summary>The value given to referencing resources; known once the resource has started.</summary>
    string ConnectionString { get; }
}

/// <summary>A resource that listens on named HTTP endpoints.</summary>
public interface IResourceWithEndpoints : IResource
{
    IReadOnlyList<EndpointAnnotation> Endpoints { get; }
}

/// <summary>A resource that can receive environment variables (<c>WithEnvironment</c>, <c>WithReference</c>).</summary>
public interface IResourceWithEnvironment : IResource
{
    void AddEnvironment(Action<IDictionary<string, string>> callback);
}

/// <summary>A resource that can be told to wait for others before it starts.</summary>
public interface IResourceWithWaitSupport : IResource
{
    void AddWaitFor(IResource resource);
}
