using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipelet.AppHost.Tests.Deploy;

/// <summary>
/// <c>deploy/aspire-manifest.json</c> is what the AppHost publishes now, and aspirate can resolve every
/// placeholder in it: each names a project, container, parameter or value resource (aspirate skips
/// <c>executable.v0</c> and <c>annotated.string</c> ones). <c>deploy/kubernetes</c> renders offline.
/// </summary>
public sealed partial class ManifestTests
{
    private static readonly string[] ResolvableTypes = ["project.v0", "project.v1", "container.v0", "container.v1", "parameter.v0", "value.v0"];

    [Fact]
    public async Task The_committed_manifest_is_what_the_AppHost_publishes()
    {
        var committed = Path.Combine(Repository.Root, "deploy", "aspire-manifest.json");
        // Next to the committed one: project paths in a manifest are relative to its folder.
        var fresh = Path.Combine(Repository.Root, "deploy", $".aspire-manifest.{Guid.NewGuid():N}.json");
        try
        {
            var (code, output) = await RunAsync("dotnet", [Repository.AppHostAssembly(), "--publisher", "manifest", "--output-path", fresh]);
            Assert.True(code == 0, output);
            Assert.True(File.ReadAllText(committed) == File.ReadAllText(fresh),
                "deploy/aspire-manifest.json is stale. Regenerate it: dotnet run --project Pipelet.AppHost -- --publisher manifest --output-path \"$PWD/deploy/aspire-manifest.json\" (from the repository root)");
        }
        finally
        {
            File.Delete(fresh);
        }
    }

    [Fact]
    public void Every_placeholder_names_a_resource_aspirate_turns_into_manifests()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "aspire-manifest.json"));
        using var manifest = JsonDocument.Parse(text);
        var types = manifest.RootElement.GetProperty("resources").EnumerateObject()
            .ToDictionary(r => r.Name, r => r.Value.GetProperty("type").GetString()!);

        Assert.All(types, r => Assert.Contains(r.Value, ResolvableTypes));
        var named = Placeholder().Matches(text).Select(m => m.Groups["resource"].Value).Distinct().ToList();
        Assert.NotEmpty(named);
        Assert.All(named, resource => Assert.True(types.ContainsKey(resource), $"{{{resource}...}} names no resource of the manifest"));
        Assert.Equal(["console", "dispatcher", "gateway", "subscriptions"], types.Where(r => r.Value == "project.v0").Select(r => r.Key).Order());
    }

    [Fact]
    public async Task The_kubernetes_manifests_render_offline()
    {
        var (code, output) = await RunAsync("kubectl", ["kustomize", Path.Combine(Repository.Root, "deploy", "kubernetes")]);

        Assert.True(code == 0, output);
        Assert.All(["name: gateway", "name: subscriptions", "name: dispatcher"], name => Assert.Contains(name, output, StringComparison.Ordinal));
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"\{(?<resource>[a-z0-9-]+)\.(bindings|connectionString|value|inputs)")]
    private static partial Regex Placeholder();
}
