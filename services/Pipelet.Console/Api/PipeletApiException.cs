using System.Net;

namespace Pipelet.Console.Api;

/// <summary>The API said no: its RFC 7807 problem details (field errors for a 400), or no answer at all (status 0).</summary>
public sealed class PipeletApiException(int status, string? title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    : Exception(detail ?? title ?? $"The API answered {status}.")
{
    public int Status { get; } = status;

    public string? Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>Field errors by the API's field name (<c>url</c>, <c>events</c>, <c>secret_header</c>, ...).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>401: the key is wrong, or was revoked since the user signed in.</summary>
    public bool KeyRefused => Status == (int)HttpStatusCode.Unauthorized;

    /// <summary>403: the key is valid but lacks the scope this needs.</summary>
    public bool ScopeMissing => Status == (int)HttpStatusCode.Forbidden;

    public bool NotFound => Status == (int)HttpStatusCode.NotFound;
}
