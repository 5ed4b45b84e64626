using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;

namespace Pipelet.Subscriptions.OpenApi;

/// <summary>
/// The public endpoints this service forwards (stations to the gateway, deliveries to the dispatcher),
/// described here so that one document covers the whole base URL. The shapes are those of issues 4 and 5;
/// the owning services define the exact bodies.
/// </summary>
internal static partial class ForwardedOperations
{
    private sealed record Operation(
        string Method, string Path, string Tag, string Summary, string Scope,
        string[] Query, string? RequestExample, int Status, string? ResponseExample);

    private static readonly Operation[] All =
    [
        new("GET", "/api/v1/stations", "Stations", "Connected stations: since when, last message, which gateway instance holds them", "any valid key",
            [], null, 200, """[{"station_id":"WALLBOX_001","connected_at":"2026-04-14T12:00:00.000Z","last_message_at":"2026-04-14T12:34:56.789Z","instance":"gateway-1"}]"""),
        new("GET", "/api/v1/stations/{stationId}", "Stations", "One connected station", "any valid key",
            [], null, 200, """{"station_id":"WALLBOX_001","connected_at":"2026-04-14T12:00:00.000Z","last_message_at":"2026-04-14T12:34:56.789Z","instance":"gateway-1"}"""),
        new("POST", "/api/v1/stations/{stationId}/commands/{action}", "Stations",
            "Send an OCPP 1.6 command (Reset, RemoteStartTransaction, ...) with its request body; answers the station's reply. 404 problem when not connected", "stations:command",
            [], """{"type":"Soft"}""", 200, """{"status":"Accepted"}"""),
        new("GET", "/api/v1/webhooks/{id}/deliveries", "Deliveries", "A webhook's deliveries, newest first, filtered by status, paged", "deliveries:read",
            ["status", "after", "limit"], null, 200,
            """{"items":[{"id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000aa","event":"StartTransaction","status":"delivered","attempts":1}],"next_after":null}"""),
        new("GET", "/api/v1/deliveries/{id}", "Deliveries", "One delivery with its attempts", "deliveries:read",
            [], null, 200,
            """{"id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event":"StartTransaction","status":"delivered","attempts":[{"attempt":1,"status_code":200,"duration_ms":124,"error":null}]}"""),
        new("GET", "/api/v1/failed-deliveries", "Deliveries", "Dead-lettered deliveries (every attempt of the retry ladder failed)", "deliveries:read",
            ["after", "limit"], null, 200, """{"items":[],"next_after":null}"""),
        new("POST", "/api/v1/failed-deliveries/{id}/retry", "Deliveries", "Retry a dead-lettered delivery with a fresh retry ladder", "webhooks:write",
            [], null, 202, null),
        new("POST", "/api/v1/webhooks/{id}/recover", "Deliveries", "Replay everything dead-lettered for this webhook since a time", "webhooks:write",
            [], """{"since":"2026-04-14T00:00:00Z"}""", 202, null),
    ];

    public static void AddTo(OpenApiDocument document)
    {
        document.Paths ??= new OpenApiPaths();
        foreach (var operation in All)
        {
            if (!document.Paths.TryGetValue(operation.Path, out var item))
            {
                item = new OpenApiPathItem();
                document.Paths[operation.Path] = item;
            }

            var pathItem = (OpenApiPathItem)item;
            pathItem.Operations ??= new Dictionary<HttpMethod, OpenApiOperation>();
            pathItem.Operations[new HttpMethod(operation.Method)] = Describe(operation);
        }
    }

    private static OpenApiOperation Describe(Operation operation)
    {
        var described = new OpenApiOperation
        {
            Summary = operation.Summary,
            Description = $"Forwarded to the {(operation.Tag == "Stations" ? "gateway" : "dispatcher")} service. Scope: {operation.Scope}.",
            Tags = new HashSet<OpenApiTagReference> { new(operation.Tag) },
            Parameters = [],
            Responses = new OpenApiResponses
            {
                [operation.Status.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
                {
                    Description = operation.Status == 202 ? "Accepted" : "OK",
                    Content = operation.ResponseExample is null ? null : new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = new OpenApiSchema(), Example = JsonNode.Parse(operation.ResponseExample) },
                    },
                },
                ["404"] = new OpenApiResponse { Description = "Not found (problem details)." },
            },
        };

        foreach (Match parameter in PathParameter().Matches(operation.Path))
        {
            described.Parameters.Add(new OpenApiParameter
            {
                Name = parameter.Groups[1].Value,
                In = ParameterLocation.Path,
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        foreach (var query in operation.Query)
        {
            described.Parameters.Add(new OpenApiParameter
            {
                Name = query,
                In = ParameterLocation.Query,
                Schema = new OpenApiSchema { Type = query is "limit" or "after" ? JsonSchemaType.Integer : JsonSchemaType.String },
            });
        }

        if (operation.RequestExample is not null)
        {
            described.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object }, Example = JsonNode.Parse(operation.RequestExample) },
                },
            };
        }

        PublicApiDocument.AddCommonResponses(described);
        return described;
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex PathParameter();
}
