using Pipelet.Client;

namespace Pipelet.Console.Api;

internal static class WebhookPauses
{
    /// <summary>
    /// Whether the webhook is paused (its circuit breaker, <c>GET /webhooks/{id}/health</c>). Null for a disabled one
    /// (its pause ends with its deliveries) and when the delivery log cannot say (a webhook created a moment ago, a key
    /// without <c>deliveries:read</c>): its state then shows without it.
    /// </summary>
    public static async Task<WebhookHealth?> ReadPauseAsync(this PipeletClient api, Webhook webhook, CancellationToken cancellationToken)
    {
        if (!webhook.Enabled) return null;
        try
        {
            return await api.Deliveries.GetHealthAsync(webhook.Id, cancellationToken);
        }
        catch (PipeletApiException)
        {
            return null;
        }
    }
}
