using Microsoft.Extensions.Configuration;

namespace Pipelet.AppHost.Hosting;

/// <summary>Declares the resource graph (as Aspire.Hosting's builder of the same name).</summary>
public interface IDistributedApplicationBuilder
{
    /// <summary>The AppHost's own settings: environment variables, then the command line.</summary>
    IConfiguration Configuration { get; }

    /// <summary>Folder of the AppHost project.</summary>
    string AppHostDirectory { get; }

    /// <summary>Where private servers and generated secrets keep their data (<c>AppHost__DataDirectory</c>).</summary>
    string DataDirectory { get; }

    IReadOnlyList<IResource> Resources { get; }

    IResourceBuilder<T> AddResource<T>(T resource) where T : IResource;

    DistributedApplication Build();
}
