using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace Pipelet.ServiceDefaults.Problems;

/// <summary>
/// Turns the framework's body-binding failures (malformed JSON, wrong types, unknown fields, no body,
/// wrong content type) into RFC 7807 validation problems with a field-level error, instead of an
/// empty 400. Needs <c>RouteHandlerOptions.ThrowOnBadRequest</c> so those failures arrive here
/// (<see cref="ProblemResponses.AddProblemResponses"/> sets it). Field names are snake_case, as on every API of ours.
/// </summary>
internal sealed partial class BadRequestProblemHandler(IProblemDetailsService problems) : IExceptionHandler
{
    private const string Timestamp = "an ISO 8601 timestamp with an offset, e.g. 2026-04-14T12:00:00Z";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest) return false;

        var (field, message) = Describe(httpContext, badRequest);
        var status = badRequest.StatusCode is >= 400 and < 500 ? badRequest.StatusCode : StatusCodes.Status400BadRequest;
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = status,
                Title = status == StatusCodes.Status415UnsupportedMediaType
                    ? "Unsupported content type"
                    : "One or more validation errors occurred.",
            },
        });
    }

    private static (string Field, string Message) Describe(HttpContext context, BadHttpRequestException exception)
    {
        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return ("body", "Send the body as JSON with the header Content-Type: application/json.");
        }

        if (BindFailure().Match(exception.Message) is { Success: true } bind)
        {
            return (bind.Groups["name"].Value, $"'{bind.Groups["value"].Value}' is not a valid value here.");
        }

        if (exception.InnerException is not JsonException json)
        {
            return ("body", exception.Message.Contains("body", StringComparison.OrdinalIgnoreCase)
                ? "A JSON body is required."
                : exception.Message);
        }

        var field = FieldOf(json.Path);
        if (UnmappedMember().Match(json.Message) is { Success: true } unmapped)
        {
            var name = unmapped.Groups["name"].Value;
            var allowed = AllowedFields(context);
            return (FieldOf(json.Path is null or "$" ? "$." + name : json.Path),
                $"Unknown field '{name}'." + (allowed is null ? "" : $" Allowed fields: {allowed}."));
        }

        if (WrongType().Match(json.Message) is { Success: true } wrongType)
        {
            // For records STJ names the record, not the property: look the property's type up ourselves.
            var propertyType = RequestType(context)?.GetProperties()
                .FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == field.Split('[')[0])?.PropertyType;
            var expected = propertyType is null ? Describe(wrongType.Groups["type"].Value) : Describe(propertyType);
            return (field, $"Wrong type: expected {expected}.");
        }

        if (json.Message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return ("body", "The body nests JSON too deeply.");
        }

        return ("body", "The body is not valid JSON" + (json.LineNumber is { } line
            ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})."
            : "."));
    }

    /// <summary><c>$.events[0]</c> becomes <c>events[0]</c>; the whole body is <c>body</c>.</summary>
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string Describe(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) switch
        {
            var t when t == typeof(string) => "a string",
            var t when t == typeof(bool) => "true or false",
            var t when t == typeof(int) || t == typeof(long) => "a whole number",
            var t when t == typeof(DateTimeOffset) || t == typeof(DateTime) => Timestamp,
            var t when typeof(IEnumerable<string>).IsAssignableFrom(t) => "an array of strings",
            _ => "a JSON object",
        };

    private static string Describe(string clrType) => clrType switch
    {
        "System.String" => "a string",
        "System.Boolean" or "System.Nullable`1[System.Boolean]" => "true or false",
        "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int64]" or "System.Nullable`1[System.Int32]" => "a whole number",
        _ when clrType.Contains("System.DateTimeOffset", StringComparison.Ordinal) => Timestamp,
        _ when clrType.Contains("String]", StringComparison.Ordinal) || clrType.Contains("String[]", StringComparison.Ordinal) => "an array of strings",
        _ when clrType.StartsWith("Pipelet.", StringComparison.Ordinal) => "a JSON object",
        _ => "a different type",
    };

    /// <summary>The snake_case property names of the endpoint's body type, to tell a caller what is accepted.</summary>
    private static string? AllowedFields(HttpContext context)
    {
        var type = RequestType(context);
        return type is null
            ? null
            : string.Join(", ", type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite || p.GetMethod is not null)
                .Where(p => p.Name != "EqualityContract")
                .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)));
    }

    private static Type? RequestType(HttpContext context)
    {
        // The exception handler clears the endpoint before handlers run; the feature keeps it.
        var endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        return endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
    }

    [GeneratedRegex("The JSON property '(?<name>[^']*)' could not be mapped")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex("Failed to bind parameter \"[^\"]* (?<name>[^\" ]+)\" from \"(?<value>[^\"]*)\"")]
    private static partial Regex BindFailure();

    [GeneratedRegex("could not be converted to (?<type>[^ ]+?)\\. Path")]
    private static partial Regex WrongType();
}
