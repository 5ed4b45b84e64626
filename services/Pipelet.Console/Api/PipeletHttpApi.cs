using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipelet.Console.Session;

namespace Pipelet.Console.Api;

/// <summary>
/// <see cref="IPipeletApi"/> over HTTP: one shared client from the factory, the key of this circuit's user added to
/// each request (never to the client, which outlives the circuit).
/// </summary>
internal sealed class PipeletHttpApi(IHttpClientFactory clients, KeySession session) : IPipeletApi
{
    public const string ClientName = "pipelet-api";
    public const string ApiKeyHeader = "X-API-Key";

    /// <summary>Longer than the API's own deadlines (a webhook test waits up to 10 s for the receiver).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A change sends only what it changes: a field left out keeps its value.
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public Task<WebhookPage> ListWebhooksAsync(long? after, int limit, CancellationToken cancellationToken) =>
        SendAsync<WebhookPage>(HttpMethod.Get, $"webhooks?limit={limit}{Query("after", after?.ToString(CultureInfo.InvariantCulture))}", null, cancellationToken);

    public Task<Webhook> GetWebhookAsync(long id, CancellationToken cancellationToken) =>
        SendAsync<Webhook>(HttpMethod.Get, $"webhooks/{id}", null, cancellationToken);

    public Task<Webhook> CreateWebhookAsync(WebhookInput webhook, CancellationToken cancellationToken) =>
        SendAsync<Webhook>(HttpMethod.Post, "webhooks", webhook, cancellationToken);

    public Task<Webhook> UpdateWebhookAsync(long id, WebhookInput change, CancellationToken cancellationToken) =>
        SendAsync<Webhook>(HttpMethod.Put, $"webhooks/{id}", change, cancellationToken);

    public Task DeleteWebhookAsync(long id, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Delete, $"webhooks/{id}", null, cancellationToken);

    public Task<WebhookTestResult> TestWebhookAsync(long id, CancellationToken cancellationToken) =>
        SendAsync<WebhookTestResult>(HttpMethod.Post, $"webhooks/{id}/test", null, cancellationToken);

    public async Task<IReadOnlyList<EventInfo>> ListEventsAsync(CancellationToken cancellationToken) =>
        await SendAsync<EventInfo[]>(HttpMethod.Get, "webhooks/events", null, cancellationToken);

    public Task<StationPage> ListStationsAsync(string? after, int limit, CancellationToken cancellationToken) =>
        SendAsync<StationPage>(HttpMethod.Get, $"stations?limit={limit}{Query("after", after)}", null, cancellationToken);

    public Task<DeliveryPage> ListDeliveriesAsync(long webhookId, string? status, Guid? before, int limit, CancellationToken cancellationToken) =>
        SendAsync<DeliveryPage>(HttpMethod.Get,
            $"webhooks/{webhookId}/deliveries?limit={limit}{Query("status", status)}{Query("before", before?.ToString())}", null, cancellationToken);

    public Task<DeliveryDetail> GetDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken) =>
        SendAsync<DeliveryDetail>(HttpMethod.Get, $"deliveries/{deliveryId}", null, cancellationToken);

    public Task<FailedDelivery> GetFailedDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken) =>
        SendAsync<FailedDelivery>(HttpMethod.Get, $"failed-deliveries/{deliveryId}", null, cancellationToken);

    public Task<ReplayStarted> RetryFailedDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken) =>
        SendAsync<ReplayStarted>(HttpMethod.Post, $"failed-deliveries/{deliveryId}/retry", null, cancellationToken);

    public Task<RecoverStarted> RecoverAsync(long webhookId, DateTimeOffset since, CancellationToken cancellationToken) =>
        SendAsync<RecoverStarted>(HttpMethod.Post, $"webhooks/{webhookId}/recover", new { since }, cancellationToken);

    private static string Query(string name, string? value) =>
        value is null ? "" : $"&{name}={Uri.EscapeDataString(value)}";

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var key = await session.GetKeyAsync() ?? throw new PipeletApiException(401, "Not signed in", "Sign in with an API key first.", Empty);
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add(ApiKeyHeader, key);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new PipeletApiException(0, "The API did not answer", $"No answer from the Pipelet API ({ex.Message}).", Empty);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ProblemAsync(response, cancellationToken);
            if (response.Content.Headers.ContentLength == 0 || response.StatusCode == System.Net.HttpStatusCode.NoContent) return default!;
            return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
        }
    }

    private static async Task<PipeletApiException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(Json, cancellationToken);
            return new PipeletApiException(status, problem?.Title, problem?.Detail, problem?.Errors ?? Empty);
        }
        catch (JsonException)
        {
            return new PipeletApiException(status, response.ReasonPhrase, null, Empty);
        }
    }

    private static readonly IReadOnlyDictionary<string, string[]> Empty = new Dictionary<string, string[]>();

    private sealed record Problem(string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}
