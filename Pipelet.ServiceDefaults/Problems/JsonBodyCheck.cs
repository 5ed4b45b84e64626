using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Pipelet.ServiceDefaults.Problems;

/// <summary>
/// The content-type rule for every endpoint that takes a JSON body (it declares so with <c>Accepts</c>
/// metadata, which a typed body parameter adds by itself): a request that carries a body must say
/// <c>Content-Type: application/json</c>, with no charset or <c>charset=utf-8</c> (RFC 8259: JSON between
/// systems is UTF-8). Anything else is a 415 problem before the body is read, so no unknown charset or
/// text/plain body ever reaches a JSON reader. A request with neither body nor Content-Type passes: the
/// endpoint decides whether it needs a body.
/// </summary>
public static class JsonBodyCheck
{
    public const string Message = "Send the body as JSON (UTF-8) with the header Content-Type: application/json.";

    /// <summary>Null when the request's body may be read as JSON (or it has none); otherwise why not.</summary>
    public static string? Check(HttpRequest request)
    {
        if (!HasBody(request) && string.IsNullOrEmpty(request.ContentType)) return null;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)) return Message;

        var mediaType = contentType.MediaType;
        var json = mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                   || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        if (!json) return Message;

        var charset = contentType.Charset;
        return !charset.HasValue || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("\"utf-8\"", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"The charset '{charset}' is not accepted. {Message}";
    }

    /// <summary>A problem response for <see cref="Check"/>'s answer.</summary>
    public static IResult Problem(string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["body"] = [message] })
        {
            Status = StatusCodes.Status415UnsupportedMediaType,
            Title = "Unsupported content type",
        });

    /// <summary>Applies the rule to the endpoints that accept a body; needs routing to have chosen the endpoint.</summary>
    internal static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is { } accepts
            && accepts.ContentTypes.Count > 0
            && Check(context.Request) is { } refusal)
        {
            await Problem(refusal).ExecuteAsync(context);
            return;
        }

        await next();
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0
        || (request.ContentLength is null && request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true);
}
