using Pipelet.Contracts.Subscriptions;
using Pipelet.ServiceDefaults.InternalApi;
using Refit;

namespace Pipelet.Dispatcher.Subscriptions;

/// <summary>
/// The subscription service's full read of webhooks (secrets included), served to the dispatcher alone, and its
/// disabling of a failing webhook.
/// </summary>
public interface IWebhookDirectoryApi
{
    [Get("/internal/v1/webhooks")]
    Task<WebhookSubscription[]> ListAsync(CancellationToken cancellationToken);

    /// <summary>Disables a webhook whose deliveries kept failing and tells its owner; says whether this call did it.</summary>
    [Post("/internal/v1/webhooks/{webhookId}/disable-failing")]
    Task<DisableFailingWebhookResult> DisableFailingAsync(long webhookId, [Body] DisableFailingWebhookRequest request, CancellationToken cancellationToken);
}

internal static class WebhookDirectoryExtensions
{
    /// <summary>
    /// The webhook view and what keeps it current: the bus, and full reads from the subscription service
    /// when its internal address is configured (without one, in tests and tools, the bus is the only source).
    /// </summary>
    public static IHostApplicationBuilder AddWebhookDirectory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WebhookDirectory>();
        if (InternalApiClients.HasSubscriptionsAddress(builder.Configuration))
        {
            builder.AddSubscriptionsInternalClient<IWebhookDirectoryApi>(DispatcherJson.Default);
        }

        builder.Services.AddHostedService<WebhookDirectorySync>();
        return builder;
    }
}
