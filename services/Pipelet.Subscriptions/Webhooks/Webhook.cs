using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>What a subscriber chooses for a webhook. <see cref="Stations"/> null means every station.</summary>
internal sealed record WebhookSettings(
    string Name,
    string Url,
    bool Enabled,
    IReadOnlyList<string> Events,
    IReadOnlyList<string>? Stations,
    string? SecretHeader,
    string? SecretValue)
{
    // The secret value must never reach a log line through the generated ToString.
    public override string ToString() =>
        $"WebhookSettings {{ Name = {Name}, Url = {Url}, Enabled = {Enabled}, Events = [{string.Join(", ", Events)}], SecretHeader = {SecretHeader} }}";
}

/// <summary>A stored webhook.</summary>
internal sealed record Webhook(long Id, WebhookSettings Settings, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public WebhookSubscription ToSubscription() => new(
        Id, Settings.Name, new Uri(Settings.Url), Settings.Enabled, Settings.Events, Settings.Stations,
        Settings.SecretHeader, Settings.SecretValue, UpdatedAt);
}
