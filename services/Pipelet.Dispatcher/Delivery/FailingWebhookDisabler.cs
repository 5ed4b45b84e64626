using Microsoft.Extensions.Options;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Disables a webhook none of whose tries succeeded for <see cref="DeliveryOptions.DisableAfter"/> and whose last
/// <see cref="DeliveryOptions.DisableAfterFailures"/> tries or more failed (counted over every instance by
/// <see cref="WebhookFailureLog"/>). The subscription service owns webhooks, so it is asked to: it disables the webhook
/// (<c>disabled_reason: "failing"</c>), records the <c>WebhookDisabled</c> event for the webhooks subscribed to it and
/// publishes the change, on which every instance cancels the webhook's pending retries as for a manual disable. Every
/// instance checks; the subscription service disables only once, and only the instance whose request did it logs the
/// warning and counts it.
/// </summary>
public sealed partial class FailingWebhookDisabler(
    WebhookFailureLog failures,
    WebhookDirectory directory,
    IServiceProvider services,
    IOptions<DeliveryOptions> options,
    DeliveryTelemetry telemetry,
    TimeProvider time,
    ILogger<FailingWebhookDisabler> logger) : BackgroundService
{
    /// <summary>A quarter of the allowed failing time, between one second and one minute: days are checked each minute.</summary>
    private TimeSpan CheckEvery => TimeSpan.FromTicks(Math.Clamp(options.Value.DisableAfter.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var scope = services.CreateAsyncScope();
        if (scope.ServiceProvider.GetService<IWebhookDirectoryApi>() is not { } subscriptions)
        {
            // Without a subscription service (tests, tools) there is nobody to disable webhooks.
            return;
        }

        await directory.Ready.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(CheckEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckAsync(subscriptions, stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or HttpRequestException or Refit.ApiException or TimeoutException
                                       or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                // Asked again at the next check.
                LogCheckFailed(logger, ex.Message);
            }
        }
    }

    internal async Task CheckAsync(IWebhookDirectoryApi subscriptions, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var failing = await failures.FindFailingAsync(settings.DisableAfterFailures, time.GetUtcNow() - settings.DisableAfter, cancellationToken);
        foreach (var webhook in failing)
        {
            // Disabled or deleted already (by us, on another instance, or by its owner): nothing to do.
            if (directory.Find(webhook.WebhookId) is not { Settings.Enabled: true } current) continue;
            var result = await subscriptions.DisableFailingAsync(webhook.WebhookId,
                new DisableFailingWebhookRequest(webhook.Since, webhook.Failures, webhook.LastError), cancellationToken);
            if (!result.Disabled) continue;
            telemetry.WebhookDisabled();
            LogDisabled(logger, webhook.WebhookId, current.Settings.Name, webhook.Since, webhook.Failures, webhook.LastError);
        }
    }

    [LoggerMessage(LogLevel.Warning,
        "Webhook {WebhookId} ({WebhookName}) disabled: no delivery to it succeeded since {Since} and its last {Failures} tries failed (last error: {LastError}); its owner is told by a WebhookDisabled event")]
    private static partial void LogDisabled(ILogger logger, long webhookId, string webhookName, DateTimeOffset since, int failures, string? lastError);

    [LoggerMessage(LogLevel.Warning, "Could not check for failing webhooks to disable: {Message}; trying again at the next check")]
    private static partial void LogCheckFailed(ILogger logger, string message);
}
