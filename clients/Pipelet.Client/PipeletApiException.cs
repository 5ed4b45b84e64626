using System.Net.Http.Json;
using System.Text.Json;

namespace Pipelet.Client;

/// <summary>
/// Any answer of the API that is not a success, read from its RFC 7807 problem details: the status, the
/// title, the detail and, for a 400, the field errors (<c>errors</c>: field name to messages).
/// </summary>
public sealed class PipeletApiException(int status, string? title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    : Exception(Describe(status, title, detail, errors))
{
    public int Status { get; } = status;

    public string? Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>Field errors of a validation problem (empty for other problems).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    internal static async ValueTask<Exception?> FromResponseAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return null;
        var status = (int)response.StatusCode;
        ProblemBody? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<ProblemBody>(PipeletJson.Options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Not a problem document (a proxy's HTML page, an empty body): the status alone has to do.
        }

        return new PipeletApiException(status, problem?.Title ?? response.ReasonPhrase, problem?.Detail,
            problem?.Errors ?? new Dictionary<string, string[]>());
    }

    private static string Describe(int status, string? title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    {
        var text = $"{status} {title}".TrimEnd();
        if (!string.IsNullOrEmpty(detail)) text += $": {detail}";
        foreach (var (field, messages) in errors) text += $" [{field}: {string.Join(" ", messages)}]";
        return text;
    }

    private sealed record ProblemBody(string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}
