namespace Pipelet.Testing;

/// <summary>Where a service's build output is, for tests that run it as its own process.</summary>
public static class ServiceBuild
{
    /// <summary>
    /// The service's assembly in the same configuration as the running tests, e.g.
    /// <c>services/Pipelet.Gateway/bin/Release/net10.0/Pipelet.Gateway.dll</c>.
    /// </summary>
    public static string OutputOf(string project)
    {
        var testDirectory = AppContext.BaseDirectory; // .../tests/<Tests>/bin/<Configuration>/net10.0/
        var configuration = new DirectoryInfo(testDirectory).Parent!.Name;
        var root = new DirectoryInfo(testDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Pipelet.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException("Cannot find the repository root (Pipelet.sln) above " + testDirectory);
        var dll = Path.Combine(root.FullName, "services", project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {project} first ({configuration}).", dll);
    }
}
