namespace Pipelet.Webhooks;

/// <summary>Where and how to send: the URL and the subscriber's secret header.</summary>
public sealed record WebhookTarget(Uri Url, string? SecretHeader, string? SecretValue)
{
    // The secret must never reach a log line through a record's generated ToString.
    public override string ToString() => $"WebhookTarget {{ Url = {Url}, SecretHeader = {SecretHeader} }}";
}
