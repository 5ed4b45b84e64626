using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Data;

namespace Pipelet.Dispatcher.Subscriptions;

/// <summary>
/// Reads the full webhook list from the subscription service at start and then every
/// <c>Delivery__SubscriptionsRefresh</c>, so an instance that was down (and missed changes on its temporary
/// queue) catches up. The service may not
/// be up yet when we start: keep trying in the background; until the first read succeeds, fan-out
/// waits rather than dropping events for webhooks it does not know.
/// </summary>
public sealed partial class WebhookDirectorySync(
    WebhookDirectory directory,
    IHttpClientFactory httpClients,
    IConfiguration configuration,
    IOptions<WebhookDirectoryOptions> options,
    RetryCancellation cancellation,
    TimeProvider time,
    ILogger<WebhookDirectorySync> logger) : BackgroundService
{
    public const string HttpClientName = "subscriptions";
    public const string ListPath = "internal/v1/webhooks";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.TryGetServiceUri("subscriptions", "internal", out var baseUri))
        {
            // Without a subscription service (tests, tools) the bus is the only source.
            LogNoSource(logger);
            directory.MarkReady();
            return;
        }

        var http = httpClients.CreateClient(HttpClientName);
        var listUri = new Uri(new Uri(baseUri.ToString().TrimEnd('/') + "/"), ListPath);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetUtcNow();
            try
            {
                var webhooks = await http.GetFromJsonAsync(listUri, DispatcherJson.Default.WebhookSubscriptionArray, stoppingToken) ?? [];
                // Missed on the bus (this instance was down, or its queue lost them): cancel their retries now.
                cancellation.CancelMissed(directory.Replace(webhooks, started));
                if (!directory.IsReady) LogLoaded(logger, webhooks.Length);
                directory.MarkReady();
                failures = 0;
                await Task.Delay(options.Value.SubscriptionsRefresh, time, stoppingToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                failures++;
                LogReadFailed(logger, listUri, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures * 2)), time, stoppingToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "No subscription service address configured: the webhook list comes from the bus only")]
    private static partial void LogNoSource(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Loaded {Count} webhooks from the subscription service")]
    private static partial void LogLoaded(ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "Could not read the webhook list from {Uri}: {Message}; retrying")]
    private static partial void LogReadFailed(ILogger logger, Uri uri, string message);
}
