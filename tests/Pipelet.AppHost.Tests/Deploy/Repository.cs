namespace Pipelet.AppHost.Tests.Deploy;

/// <summary>The repository these tests were built from.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Pipelet.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("No Pipelet.sln above " + AppContext.BaseDirectory);
    }
}
