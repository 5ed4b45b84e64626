using Microsoft.Extensions.Configuration;
using Pipelet.AppHost.Hosting;

namespace Pipelet.AppHost.Tests.Hosting;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ParameterResourceTests
{
    [Fact]
    public async Task A_generated_secret_is_32_random_bytes_kept_for_the_next_run_and_readable_by_its_owner_only()
    {
        var data = Directory.CreateTempSubdirectory("pipelet-secret-");
        try
        {
            var first = await StartAsync(data.FullName, configured: null);
            var second = await StartAsync(data.FullName, configured: null);

            Assert.Equal(32, Convert.FromBase64String(first).Length);
            Assert.Equal(first, second);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data.FullName, "secrets", "key")));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_configured_value_wins_and_nothing_is_written()
    {
        var data = Directory.CreateTempSubdirectory("pipelet-secret-");
        try
        {
            Assert.Equal("given", await StartAsync(data.FullName, configured: "given"));
            Assert.False(Directory.Exists(Path.Combine(data.FullName, "secrets")));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static async Task<string> StartAsync(string dataDirectory, string? configured)
    {
        var builder = DistributedApplication.CreateBuilder(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Secrets:Key"] = configured }).Build(), "/repo/AppHost");
        var parameter = builder.AddGeneratedSecret("key", "Secrets:Key").Resource;
        await parameter.StartAsync(new ResourceContext(new ResourceLogger(TextWriter.Null, useColour: false), dataDirectory, CancellationToken.None), CancellationToken.None);
        return parameter.Value;
    }
}
