using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Pipelet.AppHost.Hosting;

internal sealed class DistributedApplicationBuilder : IDistributedApplicationBuilder
{
    private readonly List<IResource> _resources = [];

    public DistributedApplicationBuilder(IConfiguration configuration, string appHostDirectory)
    {
        Configuration = configuration;
        AppHostDirectory = appHostDirectory;
        // Default: .pipelet/ in the repository (the AppHost's parent folder), git-ignored.
        var configured = configuration["AppHost:DataDirectory"];
        DataDirectory = Path.GetFullPath(string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(appHostDirectory, "..", ".pipelet")
            : configured);
    }

    public IConfiguration Configuration { get; }

    public string AppHostDirectory { get; }

    public string DataDirectory { get; }

    public IReadOnlyList<IResource> Resources => _resources;

    public IResourceBuilder<T> AddResource<T>(T resource) where T : IResource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public DistributedApplication Build() => new(this);

    /// <summary>The AppHost project's folder, recorded at build time (as Aspire records it).</summary>
    internal static string FindAppHostDirectory() =>
        typeof(DistributedApplicationBuilder).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AppHostProjectDirectory")?.Value
        ?? AppContext.BaseDirectory;
}
