using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace Pipelet.Client;

/// <summary>Pipelet's JSON: snake_case names, nulls left out of request bodies (a left-out field keeps its value).</summary>
public static class PipeletJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Refit with our JSON, and every non-success answer as a <see cref="PipeletApiException"/>.</summary>
    public static RefitSettings RefitSettings() => new(new SystemTextJsonContentSerializer(Options))
    {
        ExceptionFactory = PipeletApiException.FromResponseAsync,
        UrlParameterKeyFormatter = new SnakeCaseKeyFormatter(),
    };

    private sealed class SnakeCaseKeyFormatter : IUrlParameterKeyFormatter
    {
        public string Format(string key) => JsonNamingPolicy.SnakeCaseLower.ConvertName(key);
    }
}

/// <summary>
/// The whole public API in one object. From DI (<c>services.AddPipeletClient(baseUrl, apiKey)</c>) or,
/// without a container, <see cref="Create(HttpClient)"/> on an HttpClient whose base address and
/// <c>X-API-Key</c> header are set.
/// </summary>
public sealed class PipeletClient(IWebhooksApi webhooks, IApiKeysApi apiKeys, IStationsApi stations, IDeliveriesApi deliveries)
{
    public const string ApiKeyHeader = "X-API-Key";

    public IWebhooksApi Webhooks { get; } = webhooks;

    public IApiKeysApi ApiKeys { get; } = apiKeys;

    public IStationsApi Stations { get; } = stations;

    public IDeliveriesApi Deliveries { get; } = deliveries;

    public static PipeletClient Create(HttpClient http)
    {
        var settings = PipeletJson.RefitSettings();
        return new PipeletClient(
            RestService.For<IWebhooksApi>(http, settings),
            RestService.For<IApiKeysApi>(http, settings),
            RestService.For<IStationsApi>(http, settings),
            RestService.For<IDeliveriesApi>(http, settings));
    }

    /// <summary>A client of its own HttpClient at <paramref name="baseUrl"/> with <paramref name="apiKey"/>.</summary>
    public static PipeletClient Create(Uri baseUrl, string apiKey)
    {
        var http = new HttpClient { BaseAddress = baseUrl };
        http.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        return Create(http);
    }
}

/// <summary>Every item of a list, page after page, as one stream.</summary>
public static class PipeletPaging
{
    public static IAsyncEnumerable<Webhook> ListAllAsync(this IWebhooksApi api, int? pageSize = null, CancellationToken cancellationToken = default) =>
        All((cursor, ct) => api.ListAsync(cursor, pageSize, ct), cancellationToken);

    public static IAsyncEnumerable<ApiKey> ListAllAsync(this IApiKeysApi api, int? pageSize = null, CancellationToken cancellationToken = default) =>
        All((cursor, ct) => api.ListAsync(cursor, pageSize, ct), cancellationToken);

    public static IAsyncEnumerable<Station> ListAllAsync(this IStationsApi api, int? pageSize = null, CancellationToken cancellationToken = default) =>
        All((cursor, ct) => api.ListAsync(cursor, pageSize, ct), cancellationToken);

    public static IAsyncEnumerable<DeliverySummary> ListAllAsync(this IDeliveriesApi api, long webhookId, string? status = null, int? pageSize = null,
        string? eventName = null, string? stationId = null, CancellationToken cancellationToken = default) =>
        All((cursor, ct) => api.ListAsync(webhookId, status, cursor, pageSize, eventName, stationId, ct), cancellationToken);

    public static IAsyncEnumerable<FailedDelivery> ListAllFailedAsync(this IDeliveriesApi api, long? webhookId = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        All((cursor, ct) => api.ListFailedAsync(webhookId, cursor, pageSize, ct), cancellationToken);

    private static async IAsyncEnumerable<T> All<T>(
        Func<string?, CancellationToken, Task<Page<T>>> read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var page = await read(cursor, cancellationToken);
            foreach (var item in page.Items) yield return item;
            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }
}

/// <summary>OCPP commands whose payload is an object.</summary>
public static class StationsApiExtensions
{
    /// <summary>
    /// OCPP's JSON: camelCase names (<c>connectorId</c>, <c>idTag</c>), nulls left out. Not <see cref="PipeletJson.Options"/>:
    /// the payload is the station's message, and snake_case would rename its fields.
    /// </summary>
    public static JsonSerializerOptions OcppOptions { get; } = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Sends an OCPP 1.6 command whose payload is an object (e.g. <c>new { connectorId = 1, idTag = "RFID_1" }</c>), written with
    /// OCPP's camelCase names, and returns the station's answer.
    /// </summary>
    public static Task<CommandResult> SendCommandAsync(this IStationsApi api, string stationId, string action, object payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(payload);
        return api.SendCommandAsync(stationId, action, JsonSerializer.SerializeToElement(payload, payload.GetType(), OcppOptions), cancellationToken);
    }
}
