using System.Text.Json;

namespace Pipelet.Client;

/// <summary>
/// Any answer of the API that is not a success, read from its RFC 7807 problem details: the status, the
/// title, the detail, for a 400 the field errors (<c>errors</c>: field name to messages), and any other member
/// the problem carries (<see cref="Extensions"/>, e.g. a station's CALLERROR <c>error_code</c>).
/// </summary>
public sealed class PipeletApiException(
    int status, string? title, string? detail, IReadOnlyDictionary<string, string[]> errors, IReadOnlyDictionary<string, JsonElement>? extensions = null)
    : Exception(Describe(status, title, detail, errors))
{
    /// <summary>The members of RFC 7807 and of a validation problem; every other member is an extension.</summary>
    private static readonly HashSet<string> StandardMembers = ["type", "title", "status", "detail", "instance", "errors"];

    public int Status { get; } = status;

    public string? Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>Field errors of a validation problem (empty for other problems).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>The problem's members beyond RFC 7807's and <c>errors</c>, by their JSON name (e.g. <c>error_code</c>, <c>trace_id</c>).</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; } = extensions ?? new Dictionary<string, JsonElement>();

    internal static async ValueTask<Exception?> FromResponseAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return null;
        var status = (int)response.StatusCode;
        JsonElement problem = default;
        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
            problem = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's HTML page, an empty body): the status alone has to do.
        }

        if (problem.ValueKind != JsonValueKind.Object)
        {
            return new PipeletApiException(status, response.ReasonPhrase, null, new Dictionary<string, string[]>());
        }

        var extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var member in problem.EnumerateObject())
        {
            if (!StandardMembers.Contains(member.Name)) extensions[member.Name] = member.Value;
        }

        return new PipeletApiException(status, Text(problem, "title") ?? response.ReasonPhrase, Text(problem, "detail"), FieldErrors(problem), extensions);
    }

    private static string? Text(JsonElement problem, string name) =>
        problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary><c>errors</c> as field name to messages; a member of another shape is left out rather than failing the whole read.</summary>
    private static Dictionary<string, string[]> FieldErrors(JsonElement problem)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!problem.TryGetProperty("errors", out var members) || members.ValueKind != JsonValueKind.Object) return errors;
        foreach (var field in members.EnumerateObject())
        {
            if (field.Value.ValueKind != JsonValueKind.Array) continue;
            errors[field.Name] = [.. field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!)];
        }

        return errors;
    }

    private static string Describe(int status, string? title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    {
        var text = $"{status} {title}".TrimEnd();
        if (!string.IsNullOrEmpty(detail)) text += $": {detail}";
        foreach (var (field, messages) in errors) text += $" [{field}: {string.Join(" ", messages)}]";
        return text;
    }
}
