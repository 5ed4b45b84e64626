namespace Pipelet.AppHost.Hosting;

/// <summary>One named endpoint of a resource, for <c>WithReference</c>: <c>services__&lt;resource&gt;__&lt;endpoint&gt;__0</c>.</summary>
public sealed class EndpointReference(IResourceWithEndpoints resource, string endpointName)
{
    public IResourceWithEndpoints Resource { get; } = resource;

    public string EndpointName { get; } = endpointName;

    public EndpointAnnotation Endpoint =>
        Resource.Endpoints.FirstOrDefault(e => e.Name == EndpointName)
        ?? throw new InvalidOperationException($"Resource '{Resource.Name}' has no endpoint named '{EndpointName}'.");

    public string Url => Endpoint.Url;
}
