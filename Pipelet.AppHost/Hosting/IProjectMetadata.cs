namespace Pipelet.AppHost.Hosting;

/// <summary>
/// A .NET project the AppHost runs. Implemented by the classes generated into the <c>Projects</c>
/// namespace from the AppHost's project references, one per project, as Aspire does.
/// </summary>
public interface IProjectMetadata
{
    /// <summary>Full path of the .csproj.</summary>
    string ProjectPath { get; }

    /// <summary>Full path of the built assembly that is run.</summary>
    string TargetPath { get; }
}
