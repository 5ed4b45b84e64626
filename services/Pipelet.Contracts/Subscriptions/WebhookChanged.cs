namespace Pipelet.Contracts.Subscriptions;

/// <summary>
/// What the dispatcher needs to know about one webhook in order to deliver to it. The secret value
/// travels in clear on the (private) bus because the dispatcher must send it; it is never logged.
/// </summary>
public sealed record WebhookSubscription(
    long WebhookId,
    string Name,
    Uri Url,
    bool Enabled,
    IReadOnlyList<string> Events,
    IReadOnlyList<string>? Stations,
    string? SecretHeader,
    string? SecretValue,
    DateTimeOffset UpdatedAt)
{
    // The secret must never reach a log line through the record's generated ToString.
    public override string ToString() =>
        $"WebhookSubscription {{ WebhookId = {WebhookId}, Name = {Name}, Url = {Url}, Enabled = {Enabled}, SecretHeader = {SecretHeader} }}";
}

/// <summary>Published by the subscription service after a webhook is created or updated.</summary>
public sealed record WebhookUpserted(WebhookSubscription Webhook);

/// <summary>Published by the subscription service after a webhook is deleted.</summary>
public sealed record WebhookDeleted(long WebhookId, DateTimeOffset DeletedAt);
