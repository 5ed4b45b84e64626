namespace Pipelet.Client;

/// <summary>The values of a webhook's <see cref="Webhook.Ordering"/> (and of <c>Ordering</c> on create and update).</summary>
public static class WebhookOrdering
{
    /// <summary>The default: deliveries go out as they come, in parallel, without an order.</summary>
    public const string None = "none";

    /// <summary>One station's events reach the webhook in the order the gateway answered them; a failed try holds back that station's later ones.</summary>
    public const string Station = "station";
}
