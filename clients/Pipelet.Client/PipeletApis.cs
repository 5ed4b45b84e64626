using System.Text.Json;
using Refit;

namespace Pipelet.Client;

/// <summary><c>/api/v1/webhooks</c>: webhooks, the event catalogue, tests and signing secrets.</summary>
public interface IWebhooksApi
{
    [Get("/api/v1/webhooks/events")]
    Task<IReadOnlyList<EventInfo>> ListEventsAsync(CancellationToken cancellationToken = default);

    [Post("/api/v1/webhooks")]
    Task<Webhook> CreateAsync([Body] CreateWebhook webhook, CancellationToken cancellationToken = default);

    [Get("/api/v1/webhooks")]
    Task<Page<Webhook>> ListAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    [Get("/api/v1/webhooks/{id}")]
    Task<Webhook> GetAsync(long id, CancellationToken cancellationToken = default);

    [Put("/api/v1/webhooks/{id}")]
    Task<Webhook> UpdateAsync(long id, [Body] UpdateWebhook changes, CancellationToken cancellationToken = default);

    [Delete("/api/v1/webhooks/{id}")]
    Task DeleteAsync(long id, CancellationToken cancellationToken = default);

    [Post("/api/v1/webhooks/{id}/test")]
    Task<WebhookTestResult> TestAsync(long id, CancellationToken cancellationToken = default);

    [Get("/api/v1/webhooks/{id}/signing-secret")]
    Task<SigningSecret> GetSigningSecretAsync(long id, CancellationToken cancellationToken = default);

    [Post("/api/v1/webhooks/{id}/signing-secret/rotate")]
    Task<SigningSecret> RotateSigningSecretAsync(long id, CancellationToken cancellationToken = default);
}

/// <summary><c>/api/v1/api-keys</c> (scope <c>api-keys:manage</c>).</summary>
public interface IApiKeysApi
{
    [Post("/api/v1/api-keys")]
    Task<CreatedApiKey> CreateAsync([Body] CreateApiKey key, CancellationToken cancellationToken = default);

    [Get("/api/v1/api-keys")]
    Task<Page<ApiKey>> ListAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    [Delete("/api/v1/api-keys/{id}")]
    Task RevokeAsync(long id, CancellationToken cancellationToken = default);
}

/// <summary><c>/api/v1/stations</c>: connected stations and OCPP commands to them.</summary>
public interface IStationsApi
{
    [Get("/api/v1/stations")]
    Task<Page<Station>> ListAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    [Get("/api/v1/stations/{stationId}")]
    Task<Station> GetAsync(string stationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends an OCPP 1.6 command (e.g. <c>RemoteStartTransaction</c>) with its request payload, sent as it is, and returns the
    /// station's answer. To pass an object instead, use <see cref="StationsApiExtensions.SendCommandAsync(IStationsApi, string, string, object, CancellationToken)"/>.
    /// </summary>
    [Post("/api/v1/stations/{stationId}/commands/{action}")]
    Task<CommandResult> SendCommandAsync(string stationId, string action, [Body] JsonElement payload, CancellationToken cancellationToken = default);
}

/// <summary>The delivery log, failed deliveries and their replay.</summary>
public interface IDeliveriesApi
{
    /// <summary>A webhook's deliveries, newest first, filtered on the server by status, event name and station id (null: any).</summary>
    [Get("/api/v1/webhooks/{webhookId}/deliveries")]
    Task<Page<DeliverySummary>> ListAsync(long webhookId, string? status = null, string? cursor = null, int? limit = null,
        [AliasAs("event")] string? eventName = null, [AliasAs("station_id")] string? stationId = null, CancellationToken cancellationToken = default);

    /// <summary>A webhook's delivery counts: over the last 24 h, and per minute over the last hour.</summary>
    [Get("/api/v1/webhooks/{webhookId}/deliveries/stats")]
    Task<DeliveryStats> GetStatsAsync(long webhookId, CancellationToken cancellationToken = default);

    /// <summary>Whether deliveries to the webhook are paused because its recent tries all failed (circuit breaker), since when, and how many are kept.</summary>
    [Get("/api/v1/webhooks/{webhookId}/health")]
    Task<WebhookHealth> GetHealthAsync(long webhookId, CancellationToken cancellationToken = default);

    [Get("/api/v1/deliveries/{deliveryId}")]
    Task<Delivery> GetAsync(Guid deliveryId, CancellationToken cancellationToken = default);

    [Get("/api/v1/failed-deliveries")]
    Task<Page<FailedDelivery>> ListFailedAsync([AliasAs("webhook_id")] long? webhookId = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    [Get("/api/v1/failed-deliveries/{deliveryId}")]
    Task<FailedDelivery> GetFailedAsync(Guid deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Puts a failed delivery on a fresh retry ladder.</summary>
    [Post("/api/v1/failed-deliveries/{deliveryId}/retry")]
    Task<ReplayStarted> RetryAsync(Guid deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Replays every failed delivery of the webhook since a time.</summary>
    [Post("/api/v1/webhooks/{webhookId}/recover")]
    Task<RecoverStarted> RecoverAsync(long webhookId, [Body] RecoverRequest request, CancellationToken cancellationToken = default);
}
