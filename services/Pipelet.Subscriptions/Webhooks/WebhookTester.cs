using System.Text.Json;
using Pipelet.Contracts.Events;
using Pipelet.Webhooks;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// <c>POST /webhooks/{id}/test</c>: sends a synthetic StartTransaction of the documented shape through the
/// same <see cref="WebhookSender"/> the dispatcher uses (signed and with the secret header alike), so a passing test means real deliveries will pass too.
/// </summary>
internal sealed class WebhookTester(WebhookSender sender, TimeProvider time)
{
    public const string StationId = "WALLBOX_001";

    public async Task<WebhookTestResult> TestAsync(Webhook webhook, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stationEvent = new StationEvent(Guid.CreateVersion7(now), EventCatalogue.StartTransaction, StationId, now, SamplePayload(now));
        var result = await sender.SendAsync(webhook.ToSubscription(), stationEvent, attempt: 1, cancellationToken);
        return new WebhookTestResult(
            result.Succeeded,
            result.StatusCode,
            (long)Math.Round(result.Duration.TotalMilliseconds),
            result.Succeeded ? null : result.Error);
    }

    /// <summary>The Event Reference's StartTransaction example, stamped with the current time.</summary>
    private static JsonElement SamplePayload(DateTimeOffset now)
    {
        var timestamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        using var document = JsonDocument.Parse(
            $$"""{"connectorId":1,"idTag":"RFID_12345678","meterStart":12345,"timestamp":"{{timestamp}}","transactionId":42}""");
        return document.RootElement.Clone();
    }
}
