using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Pipelet.Testing;

/// <summary>One body a careless or hostile client sends, and the problem status it must earn.</summary>
public sealed record HostileBody(string Name, Func<HttpContent> Content, int Status)
{
    public override string ToString() => Name;
}

/// <summary>
/// The same hostile-body matrix for every endpoint that takes a body, on every service: wrong or unknown
/// content types and charsets get a 415 problem, bodies that are not a usable JSON object a 400 problem.
/// Never a 5xx, never a 2xx, never an empty body.
/// </summary>
public static class HostileBodies
{
    public static IReadOnlyList<HostileBody> All { get; } =
    [
        new("charset=bogus", () => Json("{}", "application/json; charset=bogus"), 415),
        new("charset=utf-16", () => Json("{}", "application/json; charset=utf-16"), 415),
        new("an empty charset", () => Json("{}", "application/json; charset="), 415),
        new("no Content-Type", () => Raw(Encoding.UTF8.GetBytes("{}"), null), 415),
        new("text/plain", () => Json("{}", "text/plain"), 415),
        new("a form", () => Json("a=1", "application/x-www-form-urlencoded"), 415),
        new("arrays nested 10,000 deep", () => Json(new string('[', 10_000) + new string(']', 10_000)), 400),
        new("objects nested 10,000 deep", () => Json(string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)), 400),
        new("truncated JSON", () => Json("{\""), 400),
        new("not JSON", () => Json("yesterday"), 400),
        new("invalid UTF-8", () => Raw([(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}'], "application/json"), 400),
        new("a lone surrogate", () => Json("{\"name\":\"\\ud800\"}"), 400),
        new("1e400", () => Json("1e400"), 400),
        new("a JSON array", () => Json("[]"), 400),
        new("a JSON string", () => Json("\"{}\""), 400),
        new("a 100,000-digit number", () => Json("{\"n\":" + new string('9', 100_000) + "}"), 400),
    ];

    /// <summary>Sends every body of the matrix and asserts each answer; all failures are reported together.</summary>
    public static async Task AssertRefusedAsync(HttpClient client, HttpMethod method, string path)
    {
        var failures = new List<string>();
        foreach (var body in All)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body.Content() };
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (Describe(response, text, body.Status) is { } failure) failures.Add($"{method} {path} with {body.Name}: {failure}");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>Sends a request and asserts that the answer is a problem with <paramref name="status"/>.</summary>
    public static async Task AssertProblemAsync(HttpClient client, HttpMethod method, string path, int status, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(Describe(response, text, status) is null, $"{method} {path}: {Describe(response, text, status)}");
    }

    /// <summary>
    /// Every endpoint of an app that declares a JSON body (<c>Accepts</c> metadata) as <c>METHOD /route</c>, so a test
    /// can prove its matrix covers them all.
    /// </summary>
    public static IReadOnlyList<string> BodyEndpoints(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAcceptsMetadata>() is { ContentTypes.Count: > 0 })
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText?.TrimEnd('/')}"))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Null when the response is a problem with <paramref name="status"/>; otherwise what is wrong.</summary>
    public static string? Describe(HttpResponseMessage response, string body, int status)
    {
        var shown = body.Length > 300 ? body[..300] + "…" : body;
        if ((int)response.StatusCode != status) return $"expected {status}, got {(int)response.StatusCode}: {shown}";
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") return $"not a problem: {response.Content.Headers.ContentType} {shown}";
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("status", out var s) && s.GetInt32() == status ? null : $"problem without its status: {shown}";
        }
        catch (JsonException)
        {
            return $"not JSON: {shown}";
        }
    }

    public static HttpContent Json(string text, string contentType = "application/json") => Raw(Encoding.UTF8.GetBytes(text), contentType);

    /// <summary>Bytes as they are, with exactly this Content-Type header (none when null), unchecked by HttpClient.</summary>
    public static HttpContent Raw(byte[] bytes, string? contentType)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }
}
