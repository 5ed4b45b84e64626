using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Pipelet.Contracts.Gateway;
using Pipelet.Gateway.Commands;
using Pipelet.Gateway.Ocpp;
using Pipelet.Gateway.Ocpp.Schemas;
using Pipelet.Gateway.Stations;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.Http;
using Pipelet.ServiceDefaults.OpenApi;

namespace Pipelet.Gateway.Apis;

/// <summary>The headless stations API: who is connected, and commands to a station.</summary>
internal static class StationsApi
{
    public static RouteGroupBuilder MapStationsApi(this IEndpointRouteBuilder app, bool requireApiKey)
    {
        var api = app.MapGroup("/api/v1/stations").WithTags("Stations");
        if (requireApiKey)
        {
            api.RequireAuthorization(ApiScopes.StationsCommand);
        }

        api.MapGet("/", ListStationsAsync)
            .WithSummary("Connected stations: since when, last message, which gateway instance holds them; in order of station id, ?limit= 1-100 (default 50), next page with ?cursor={next_cursor}")
            .WithPaging(PageLimits, "after")
            .WithResponseExample(StationsApiExamples.StationPage);
        api.MapGet("/{stationId}", GetStationAsync)
            .WithSummary("One connected station (404 problem when not connected)")
            .WithResponseExample(StationsApiExamples.Station);
        api.MapPost("/{stationId}/commands/{action}", SendCommandAsync)
            .WithSummary("Send an OCPP 1.6 command (Reset, RemoteStartTransaction, ...) with its request payload and wait for the station's answer. " +
                         "404 problem when not connected; 502 problem for a CALLERROR; 504 problem on timeout")
            // The payload is read by hand (its schema depends on the action); Accepts puts it under the JSON body rule.
            .Accepts<JsonElement>(isOptional: true, "application/json")
            .WithRequestExample(StationsApiExamples.Reset)
            .WithResponseExample(StationsApiExamples.ResetAnswered);
        return api;
    }

    /// <summary>50 stations a page unless the request says otherwise, 100 at most.</summary>
    private static readonly PageLimits PageLimits = new(50, 100);

    /// <summary>In ordinal order of station id; the cursor is the last station id of the previous page.</summary>
    public static async Task<Results<Ok<Page<StationConnection>>, ValidationProblem>> ListStationsAsync(
        string? limit, string? cursor, string? after, StationPages pages, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var query = PageQuery.Read(cursor, after, nameof(after), limit, PageLimits, errors);
        if (query.Cursor is not null && !StationIdentity.IsValid(query.Cursor))
        {
            query.RefuseCursor(errors);
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Bad paging parameters");
        }

        var items = await pages.ReadAsync(query.Cursor, query.Limit + 1, cancellationToken);
        return TypedResults.Ok(query.PageOf(items, station => station.StationId));
    }

    public static async Task<Results<Ok<StationConnection>, ProblemHttpResult>> GetStationAsync(
        string stationId, StationDirectory directory, StationRegistry registry, GatewayInstance instance, CancellationToken cancellationToken)
    {
        if (registry.TryGet(stationId, out var session) && session.CloseReason is null)
        {
            return TypedResults.Ok(new StationConnection(session.StationId, session.ConnectedAt, session.LastMessageAt, instance.Id));
        }

        // A row of ours that memory no longer has is a disconnect the batched registry write has not applied yet.
        var station = StationIdentity.IsValid(stationId) ? await directory.FindAsync(stationId, cancellationToken) : null;
        return station is null || station.InstanceId == instance.Id ? NotConnected(stationId) : TypedResults.Ok(station);
    }

    public static async Task<Results<Ok<CommandResponse>, ValidationProblem, ProblemHttpResult>> SendCommandAsync(
        string stationId, string action, HttpRequest request, StationCommands commands, CancellationToken cancellationToken)
    {
        if (!OcppSchemas.CentralSystemRequests.TryGetValue(action, out var schema))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown command",
                detail: $"'{action}' is not a command of OCPP 1.6. Commands: {string.Join(", ", OcppSchemas.CentralSystemRequests.Keys.Order(StringComparer.Ordinal))}.");
        }

        using var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["The body must be a JSON object in UTF-8: the OCPP request payload."] });
        }

        var validation = new PayloadValidation();
        schema.Validate(body.RootElement, validation);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.ToDictionary(), title: $"The {action} request is not valid OCPP 1.6");
        }

        if (!StationIdentity.IsValid(stationId))
        {
            return NotConnected(stationId);
        }

        var result = await commands.SendAsync(stationId, action, body.RootElement, cancellationToken);
        return result.Status switch
        {
            StationCommandStatus.Answered => Answered(stationId, action, result.Response),
            StationCommandStatus.NotConnected => NotConnected(stationId),
            StationCommandStatus.CallError => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway,
                title: "The station answered with a CALLERROR",
                detail: $"{result.ErrorCode}: {result.ErrorDescription}",
                extensions: new Dictionary<string, object?>
                {
                    ["error_code"] = result.ErrorCode,
                    ["error_description"] = result.ErrorDescription,
                    ["error_details"] = result.ErrorDetails,
                }),
            StationCommandStatus.Timeout => TypedResults.Problem(statusCode: StatusCodes.Status504GatewayTimeout,
                title: "The station did not answer in time",
                detail: $"No answer to {action} from {stationId} within the command timeout."),
            StationCommandStatus.Disconnected => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway,
                title: "The station disconnected",
                detail: $"{stationId} closed its connection before answering {action}."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The command could not be recorded",
                detail: "The event for this command was not confirmed by the message broker, so it was not sent. Try again later."),
        };
    }

    /// <summary>The station's CALLRESULT, checked against the command's <c>.conf</c> schema: nonsense from a station is a 502, not an answer.</summary>
    private static Results<Ok<CommandResponse>, ValidationProblem, ProblemHttpResult> Answered(string stationId, string action, JsonElement? response)
    {
        var payload = response ?? default;
        var validation = new PayloadValidation();
        if (JsonText.IsDecodable(payload)) OcppSchemas.CentralSystemResponses[action].Validate(payload, validation);
        else validation.Add(OcppErrorCode.FormationViolation, "The payload holds text that is not valid Unicode.");
        if (validation.IsValid) return TypedResults.Ok(new CommandResponse(stationId, action, payload));

        return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway,
            title: "The station's answer is not valid OCPP 1.6",
            detail: $"{stationId} answered {action} with a payload its schema does not allow; see errors.",
            extensions: new Dictionary<string, object?> { ["errors"] = validation.ToDictionary() });
    }

    private static async Task<JsonDocument?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
        {
            return JsonDocument.Parse("{}"); // bodiless commands (ClearCache, GetLocalListVersion) may omit it
        }

        var utf8 = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!JsonText.IsValidUtf8(utf8.Span)) return null;
        try
        {
            var document = JsonDocument.Parse(utf8);
            if (document.RootElement.ValueKind == JsonValueKind.Object && JsonText.IsDecodable(document.RootElement)) return document;
            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ProblemHttpResult NotConnected(string stationId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Station not connected",
            detail: $"No gateway instance holds a connection for station '{stationId}'.");
}

/// <summary>The station's CALLRESULT payload, as it sent it.</summary>
internal sealed record CommandResponse(string StationId, string Action, JsonElement Response);
