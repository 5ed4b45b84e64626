using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;

namespace Pipelet.Subscriptions.OpenApi;

/// <summary>
/// The public endpoints this service forwards (stations to the gateway, deliveries to the dispatcher),
/// described here so that one document covers the whole base URL. The examples follow the owning services'
/// bodies (Gateway StationsApi, Dispatcher DeliveriesApi); those services remain the authority.
/// </summary>
internal static partial class ForwardedOperations
{
    private sealed record Operation(
        string Method, string Path, string Tag, string Summary, string Scope,
        string[] Query, string? RequestExample, int Status, string? ResponseExample);

    private const string Station = """{"station_id":"WALLBOX_001","connected_since":"2026-04-14T12:00:00+00:00","last_message_at":"2026-04-14T12:34:56.789+00:00","instance_id":"gateway-1"}""";

    private const string DeliverySummary = """
        {"delivery_id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000aa",
         "event":"StartTransaction","station_id":"WALLBOX_001","status":"succeeded","attempts":1,
         "created_at":"2026-04-14T12:34:56.8+00:00","updated_at":"2026-04-14T12:34:56.95+00:00",
         "next_attempt_at":null,"last_status_code":200,"last_error":null,"replay_of":null}
        """;

    private static readonly Operation[] All =
    [
        new("GET", "/api/v1/stations", "Stations",
            "Connected stations: since when, last message, which gateway instance holds them; in order of station id, ?limit= 1-100 (default 50), next page with ?after={next_after}", "stations:command",
            ["limit", "after"], null, 200, "{\"items\":[" + Station + "],\"next_after\":null}"),
        new("GET", "/api/v1/stations/{stationId}", "Stations", "One connected station (404 problem when not connected)", "stations:command",
            [], null, 200, Station),
        new("POST", "/api/v1/stations/{stationId}/commands/{action}", "Stations",
            "Send an OCPP 1.6 command (Reset, RemoteStartTransaction, ...) with its request payload and wait for the station's answer. " +
            "404 problem when not connected; 502 problem for a CALLERROR; 504 problem on timeout", "stations:command",
            [], """{"type":"Soft"}""", 200, """{"station_id":"WALLBOX_001","action":"Reset","response":{"status":"Accepted"}}"""),
        new("GET", "/api/v1/webhooks/{id}/deliveries", "Deliveries",
            "A webhook's deliveries, newest first; filter with ?status=succeeded|retrying|failed|cancelled; ?limit= 1-500 (default 50), next page with ?before={next_before}", "deliveries:read",
            ["status", "before", "limit"], null, 200, "{\"items\":[" + DeliverySummary + "],\"next_before\":null}"),
        new("GET", "/api/v1/deliveries/{id}", "Deliveries", "One delivery with every attempt", "deliveries:read",
            [], null, 200,
            """
            {"delivery_id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000aa",
             "event":"StartTransaction","station_id":"WALLBOX_001","status":"succeeded","attempt_count":1,
             "created_at":"2026-04-14T12:34:56.8+00:00","updated_at":"2026-04-14T12:34:56.95+00:00","next_attempt_at":null,"replay_of":null,
             "attempts":[{"attempt":1,"attempted_at":"2026-04-14T12:34:56.83+00:00","duration_ms":124.0,"status_code":200,"error_kind":null,"error":null,"response_body":"ok"}]}
            """),
        new("GET", "/api/v1/failed-deliveries", "Deliveries",
            "Dead-lettered deliveries (every attempt of the retry ladder failed), newest first; ?webhook_id= filters; ?limit= 1-500 (default 50), next page with ?before={next_before}", "deliveries:read",
            ["webhook_id", "before", "limit"], null, 200, """{"items":[],"next_before":null}"""),
        new("GET", "/api/v1/failed-deliveries/{id}", "Deliveries", "One dead letter: the event, the webhook (no secret) and every attempt", "deliveries:read",
            [], null, 200,
            """
            {"delivery_id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000aa",
             "event":{"event":"StartTransaction","station_id":"WALLBOX_001"},"webhook":{"id":42,"url":"https://my-app.example.com/webhooks/ocpp"},
             "attempts":[],"failed_at":"2026-04-15T14:00:00+00:00","retried_at":null,"retry_delivery_id":null}
            """),
        new("POST", "/api/v1/failed-deliveries/{id}/retry", "Deliveries", "Retry a dead-lettered delivery with a fresh retry ladder (409 problem if already retried)", "webhooks:write",
            [], null, 202, """{"delivery_id":"0196a1b2-0000-7000-8000-000000000002","replay_of":"0196a1b2-0000-7000-8000-000000000001"}"""),
        new("POST", "/api/v1/webhooks/{id}/recover", "Deliveries", "Replay everything dead-lettered for this webhook since a time (body or ?since=)", "webhooks:write",
            ["since"], """{"since":"2026-04-14T00:00:00Z"}""", 202,
            """{"webhook_id":42,"since":"2026-04-14T00:00:00+00:00","recovered":1,"deliveries":[{"delivery_id":"0196a1b2-0000-7000-8000-000000000002","replay_of":"0196a1b2-0000-7000-8000-000000000001"}]}"""),
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
                Schema = new OpenApiSchema { Type = query is "limit" or "webhook_id" ? JsonSchemaType.Integer : JsonSchemaType.String },
            });
        }

        if (operation.RequestExample is not null)
        {
            described.RequestBody = new OpenApiRequestBody
            {
                Required = operation.Path.Contains("/commands/", StringComparison.Ordinal), // recover also takes ?since=
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
