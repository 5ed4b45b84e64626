using Pipelet.Contracts.Events;
using Microsoft.AspNetCore.Mvc;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.Http;
using Pipelet.ServiceDefaults.OpenApi;
using Pipelet.Subscriptions.Http;
using Pipelet.Subscriptions.OpenApi;
using Pipelet.Subscriptions.Webhooks;

namespace Pipelet.Subscriptions.Apis;

/// <summary><c>/api/v1/webhooks</c>: create, list, read, change, delete and test webhooks; the event catalogue.</summary>
internal static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks");

        api.MapGet("/events", ListEvents)
            .RequireAuthorization(ApiScopes.WebhooksRead)
            .WithSummary("The events a webhook can subscribe to: the 23 station events (kind \"station\", what \"*\" means), then the operational ones (kind \"operational\", only by name)")
            .WithResponseExample(ApiExamples.Events);

        api.MapPost("", CreateWebhook)
            .RequireAuthorization(ApiScopes.WebhooksWrite)
            .WithSummary("Create a webhook")
            .WithRequestExample(ApiExamples.CreateWebhook)
            .WithResponseExample(ApiExamples.Webhook, StatusCodes.Status201Created);

        api.MapGet("", ListWebhooks)
            .RequireAuthorization(ApiScopes.WebhooksRead)
            .WithSummary("List webhooks, oldest first; next page with ?cursor={next_cursor}")
            .WithPaging(IdPages.Limits, "after")
            .WithResponseExample(ApiExamples.WebhookPage);

        api.MapGet("/{id:positive-id}", GetWebhook)
            .RequireAuthorization(ApiScopes.WebhooksRead)
            .WithSummary("Read one webhook (the secret value is never returned)")
            .WithResponseExample(ApiExamples.Webhook);

        api.MapPut("/{id:positive-id}", UpdateWebhook)
            .RequireAuthorization(ApiScopes.WebhooksWrite)
            .WithSummary("Change a webhook; fields left out keep their value")
            .WithRequestExample(ApiExamples.UpdateWebhook)
            .WithResponseExample(ApiExamples.Webhook);

        api.MapDelete("/{id:positive-id}", DeleteWebhook)
            .RequireAuthorization(ApiScopes.WebhooksWrite)
            .WithSummary("Delete a webhook");

        api.MapPost("/{id:positive-id}/test", TestWebhook)
            .RequireAuthorization(ApiScopes.WebhooksWrite)
            .WithSummary("POST a synthetic StartTransaction to the webhook's URL with its secret header")
            .WithResponseExample(ApiExamples.TestResult);

        return api;
    }

    private static Ok<EventResponse[]> ListEvents() =>
        TypedResults.Ok(EventCatalogue.All.Select(e => new EventResponse(e.Name, e.Direction.ToString(), e.Description, "station"))
            .Concat(EventCatalogue.Operational.Select(e => new EventResponse(e.Name, e.Direction.ToString(), e.Description, "operational")))
            .ToArray());

    private static async Task<Results<Created<WebhookResponse>, ValidationProblem>> CreateWebhook(
        CreateWebhookRequest request, WebhookValidator validator, WebhookStore store, CancellationToken cancellationToken)
    {
        var (settings, errors) = await validator.CheckCreateAsync(request, cancellationToken);
        if (settings is null) return TypedResults.ValidationProblem(errors.ToDictionary());

        var webhook = await store.CreateAsync(settings, cancellationToken);
        return TypedResults.Created($"/api/v1/webhooks/{webhook.Id}", WebhookResponse.From(webhook));
    }

    private static Task<Results<Ok<Page<WebhookResponse>>, ValidationProblem>> ListWebhooks(
        [FromQuery] string? limit, [FromQuery] string? cursor, [FromQuery] string? after, WebhookStore store, CancellationToken cancellationToken) =>
        IdPages.ReadAsync(limit, cursor, after, (idAfter, count) => store.ListAsync(idAfter, count, cancellationToken), WebhookResponse.From, webhook => webhook.Id);

    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> GetWebhook(
        long id, WebhookStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } webhook
            ? TypedResults.Ok(WebhookResponse.From(webhook))
            : ApiProblems.NotFound("Webhook", id);

    private static async Task<Results<Ok<WebhookResponse>, ValidationProblem, ProblemHttpResult>> UpdateWebhook(
        long id, UpdateWebhookRequest request, WebhookValidator validator, WebhookStore store, CancellationToken cancellationToken)
    {
        var (patch, errors) = await validator.CheckUpdateAsync(request, cancellationToken);
        if (patch is null) return TypedResults.ValidationProblem(errors.ToDictionary());

        var (updated, mergeErrors) = await store.UpdateAsync(id, patch, cancellationToken);
        if (!mergeErrors.IsEmpty) return TypedResults.ValidationProblem(mergeErrors.ToDictionary());
        return updated is null ? ApiProblems.NotFound("Webhook", id) : TypedResults.Ok(WebhookResponse.From(updated));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhook(
        long id, WebhookStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : ApiProblems.NotFound("Webhook", id);

    private static async Task<Results<Ok<WebhookTestResult>, ProblemHttpResult>> TestWebhook(
        long id, WebhookStore store, WebhookTester tester, CancellationToken cancellationToken)
    {
        var webhook = await store.GetAsync(id, cancellationToken);
        if (webhook is null) return ApiProblems.NotFound("Webhook", id);
        return TypedResults.Ok(await tester.TestAsync(webhook, cancellationToken));
    }
}
