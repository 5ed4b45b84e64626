namespace Pipelet.Contracts.Subscriptions;

/// <summary>
/// The dispatcher asks the subscription service to disable a webhook whose deliveries kept failing
/// (<c>POST /internal/v1/webhooks/{id}/disable-failing</c>).
/// </summary>
/// <param name="Since">When its tries started failing: no delivery to it succeeded since.</param>
/// <param name="Failures">Failed tries in a row.</param>
/// <param name="LastError">The last try's error, as the delivery log has it.</param>
public sealed record DisableFailingWebhookRequest(DateTimeOffset Since, int Failures, string? LastError);

/// <param name="Disabled">
/// True when this request disabled the webhook (and a <c>WebhookDisabled</c> event was recorded); false when it was
/// disabled already (another dispatcher instance asked first, or its owner did).
/// </param>
public sealed record DisableFailingWebhookResult(bool Disabled);

/// <summary>The payload of the operational event <c>WebhookDisabled</c> (snake_case in the delivery body).</summary>
/// <param name="Since">Since when none of its deliveries succeeded.</param>
public sealed record WebhookDisabledPayload(long WebhookId, string Name, string Url, string? LastError, DateTimeOffset Since);
