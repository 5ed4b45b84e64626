using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Pipelet.Testing;

/// <summary>
/// The OpenAPI documents the gateway and the dispatcher serve, as checked in next to this file. Their own
/// tests compare them with what the running service serves (so they cannot drift), and the edge's tests
/// serve them from stand-ins of those services, so the edge learns its routes from the real descriptions.
/// After changing a service's API, run its test with <c>PIPELET_UPDATE_API_DOCUMENTS=1</c> to rewrite the file.
/// </summary>
public static class ApiDocuments
{
    public const string Path = "/openapi/v1.json";

    public static string Read(string service) => File.ReadAllText(FileOf(service));

    /// <summary>Fails unless <paramref name="served"/> is the checked-in document of <paramref name="service"/>.</summary>
    public static void AssertCheckedIn(string service, string served)
    {
        var actual = Normalize(served);
        if (Environment.GetEnvironmentVariable("PIPELET_UPDATE_API_DOCUMENTS") == "1")
        {
            File.WriteAllText(FileOf(service), actual);
            return;
        }

        Assert.True(File.Exists(FileOf(service)) && Normalize(Read(service)) == actual,
            $"The {service}'s OpenAPI document differs from {FileOf(service)}. If the change is meant, rerun this test " +
            "with PIPELET_UPDATE_API_DOCUMENTS=1 and commit the file.");
    }

    /// <summary>Indented, and without <c>servers</c> (the address the test happened to run at).</summary>
    private static string Normalize(string json)
    {
        var document = JsonNode.Parse(json)!.AsObject();
        document.Remove("servers");
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string FileOf(string service, [CallerFilePath] string here = "") =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(here)!, $"{service}.v1.json");
}
