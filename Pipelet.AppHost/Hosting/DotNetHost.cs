using System.Runtime.InteropServices;

namespace Pipelet.AppHost.Hosting;

/// <summary>Finds the <c>dotnet</c> host that runs built project assemblies.</summary>
internal static class DotNetHost
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;

        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        var runtime = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory());
        var root = runtime.Parent?.Parent?.Parent;
        var candidate = root is null ? null : System.IO.Path.Combine(root.FullName, "dotnet");
        return candidate is not null && File.Exists(candidate) ? candidate : "dotnet";
    }
}
