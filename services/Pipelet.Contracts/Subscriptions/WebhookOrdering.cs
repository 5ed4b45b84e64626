namespace Pipelet.Contracts.Subscriptions;

/// <summary>The values of a webhook's <c>ordering</c>.</summary>
public static class WebhookOrdering
{
    /// <summary>Deliveries go out as they come, in parallel: the fastest way, without an order.</summary>
    public const string None = "none";

    /// <summary>One station's events reach the webhook in the order the gateway answered them; a failed try holds back that station's later ones.</summary>
    public const string Station = "station";

    public static IReadOnlyList<string> All { get; } = [None, Station];
}
