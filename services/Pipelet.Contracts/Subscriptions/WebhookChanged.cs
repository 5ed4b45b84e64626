namespace Pipelet.Contracts.Subscriptions;

/// <summary>
/// What a subscriber chooses for a webhook, as every service sees it. <see cref="Stations"/> null means
/// every station; <see cref="SecretHeader"/> is the optional shared-secret header sent with each request;
/// <see cref="RateLimit"/> the most deliveries per second it takes over all dispatcher instances (null: no limit);
/// <see cref="Ordering"/> one of <see cref="WebhookOrdering"/>: whether one station's events reach it in order.
/// </summary>
public sealed record WebhookSettings(
    string Name,
    Uri Url,
    bool Enabled,
    IReadOnlyList<string> Events,
    IReadOnlyList<string>? Stations,
    WebhookSecretHeader? SecretHeader,
    int? RateLimit = null,
    string Ordering = WebhookOrdering.None);

/// <summary>A header the subscriber chose (name) with the value it expects: name and value always come together.</summary>
public sealed record WebhookSecretHeader(string Name, Secret Value);

/// <summary>
/// The keys that sign every request to a webhook (Standard Webhooks, <c>whsec_</c> + base64). After a rotation
/// the <see cref="Previous"/> key still signs for the sender's overlap period, counted from <see cref="RotatedAt"/>.
/// </summary>
public sealed record WebhookSigningSecrets(Secret Current, Secret? Previous = null, DateTimeOffset? RotatedAt = null);

/// <summary>
/// What the dispatcher needs to know about one webhook in order to deliver to it. Secrets travel in clear
/// on the (private) bus because the dispatcher must use them; <see cref="Secret"/> keeps them out of logs.
/// <see cref="Signing"/> is null only for a webhook stored before signing existed and not yet given a key.
/// </summary>
public sealed record WebhookSubscription(
    long WebhookId,
    WebhookSettings Settings,
    WebhookSigningSecrets? Signing,
    DateTimeOffset UpdatedAt);

/// <summary>Published by the subscription service after a webhook is created or updated.</summary>
public sealed record WebhookUpserted(WebhookSubscription Webhook);

/// <summary>Published by the subscription service after a webhook is deleted.</summary>
public sealed record WebhookDeleted(long WebhookId, DateTimeOffset DeletedAt);
