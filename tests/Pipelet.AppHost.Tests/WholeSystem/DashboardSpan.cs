using System.Net;
using System.Text.Json;

namespace Pipelet.AppHost.Tests.WholeSystem;

/// <summary>A span as the Aspire dashboard's telemetry API returns it (OTLP JSON), with the service that sent it.</summary>
internal sealed record DashboardSpan(string Service, string Name, string SpanId, string? ParentSpanId)
{
    /// <summary>The spans of one trace (<c>GET /api/telemetry/traces/{traceId}</c>); empty while the dashboard has none.</summary>
    public static async Task<IReadOnlyList<DashboardSpan>> ReadTraceAsync(HttpClient dashboard, string traceId)
    {
        using var response = await dashboard.GetAsync($"api/telemetry/traces/{traceId}");
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var spans = new List<DashboardSpan>();
        foreach (var resourceSpans in FindArrays(document.RootElement, "resourceSpans").SelectMany(a => a.EnumerateArray()))
        {
            var service = ServiceName(resourceSpans);
            foreach (var span in FindArrays(resourceSpans, "spans").SelectMany(a => a.EnumerateArray()))
            {
                var parent = span.TryGetProperty("parentSpanId", out var p) && p.GetString() is { Length: > 0 } id ? id : null;
                spans.Add(new DashboardSpan(service, span.GetProperty("name").GetString()!, span.GetProperty("spanId").GetString()!, parent));
            }
        }

        return spans;
    }

    /// <summary>The traces in which <paramref name="resource"/> recorded a span named <paramref name="spanName"/>.</summary>
    public static async Task<IReadOnlyList<string>> ReadTraceIdsAsync(HttpClient dashboard, string resource, string spanName)
    {
        using var response = await dashboard.GetAsync($"api/telemetry/spans?resource={resource}");
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. FindArrays(document.RootElement, "spans").SelectMany(a => a.EnumerateArray())
            .Where(s => s.GetProperty("name").GetString() == spanName)
            .Select(s => s.GetProperty("traceId").GetString()!)
            .Distinct()];
    }

    private static string ServiceName(JsonElement resourceSpans)
    {
        if (!resourceSpans.TryGetProperty("resource", out var resource) || !resource.TryGetProperty("attributes", out var attributes)) return "";
        foreach (var attribute in attributes.EnumerateArray())
        {
            if (attribute.GetProperty("key").GetString() == "service.name")
            {
                return attribute.GetProperty("value").GetProperty("stringValue").GetString() ?? "";
            }
        }

        return "";
    }

    /// <summary>Every array named <paramref name="name"/> anywhere under <paramref name="element"/>.</summary>
    private static IEnumerable<JsonElement> FindArrays(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == name && property.Value.ValueKind == JsonValueKind.Array) yield return property.Value;
                else foreach (var found in FindArrays(property.Value, name)) yield return found;
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var found in FindArrays(item, name)) yield return found;
            }
        }
    }
}
