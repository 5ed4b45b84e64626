namespace Pipelet.Console.Api;

/// <summary>
/// What the console asks of the public REST API, always with the signed-in user's own key. A refusal is a
/// <see cref="PipeletApiException"/> carrying the API's problem details.
/// </summary>
public interface IPipeletApi
{
    Task<WebhookPage> ListWebhooksAsync(long? after, int limit, CancellationToken cancellationToken = default);

    Task<Webhook> GetWebhookAsync(long id, CancellationToken cancellationToken = default);

    Task<Webhook> CreateWebhookAsync(WebhookInput webhook, CancellationToken cancellationToken = default);

    Task<Webhook> UpdateWebhookAsync(long id, WebhookInput change, CancellationToken cancellationToken = default);

    Task DeleteWebhookAsync(long id, CancellationToken cancellationToken = default);

    Task<WebhookTestResult> TestWebhookAsync(long id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<EventInfo>> ListEventsAsync(CancellationToken cancellationToken = default);

    Task<StationPage> ListStationsAsync(string? after, int limit, CancellationToken cancellationToken = default);

    Task<DeliveryPage> ListDeliveriesAsync(long webhookId, string? status, Guid? before, int limit, CancellationToken cancellationToken = default);

    Task<DeliveryDetail> GetDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken = default);

    Task<FailedDelivery> GetFailedDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken = default);

    Task<ReplayStarted> RetryFailedDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken = default);

    Task<RecoverStarted> RecoverAsync(long webhookId, DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>Every page of a list, one request at a time.</summary>
public static class PipeletApiPaging
{
    public static async IAsyncEnumerable<Webhook> AllWebhooksAsync(this IPipeletApi api,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? after = null;
        do
        {
            var page = await api.ListWebhooksAsync(after, 100, cancellationToken);
            foreach (var webhook in page.Items) yield return webhook;
            after = page.NextAfter;
        }
        while (after is not null);
    }

    public static async IAsyncEnumerable<Station> AllStationsAsync(this IPipeletApi api,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = null;
        do
        {
            var page = await api.ListStationsAsync(after, 100, cancellationToken);
            foreach (var station in page.Items) yield return station;
            after = page.NextAfter;
        }
        while (after is not null);
    }

    /// <summary>A webhook's deliveries newest first, page after page, while <paramref name="status"/> matches.</summary>
    public static async IAsyncEnumerable<DeliverySummary> DeliveriesAsync(this IPipeletApi api, long webhookId, string? status, Guid? before, int pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        do
        {
            var page = await api.ListDeliveriesAsync(webhookId, status, before, pageSize, cancellationToken);
            foreach (var delivery in page.Items) yield return delivery;
            before = page.NextBefore;
        }
        while (before is not null);
    }
}
