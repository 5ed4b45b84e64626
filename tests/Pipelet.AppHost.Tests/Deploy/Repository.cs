namespace Pipelet.AppHost.Tests.Deploy;

/// <summary>The repository these tests were built from.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    /// <summary>The AppHost's own build output, in the configuration of these tests.</summary>
    public static string AppHostAssembly()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // .../bin/<Configuration>/net10.0/
        return Path.Combine(Root, "Pipelet.AppHost", "bin", configuration, "net10.0", "Pipelet.AppHost.dll");
    }

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Pipelet.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("No Pipelet.sln above " + AppContext.BaseDirectory);
    }
}
