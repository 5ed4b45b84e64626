using System.Text.Json;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Contracts.Tests;

public sealed class WebhookSubscriptionTests
{
    private static readonly WebhookSubscription Subscription = new(
        42,
        new WebhookSettings("My Integration", new Uri("https://example.com/hook"), true, ["*"], null,
            new WebhookSecretHeader("X-Webhook-Secret", new Secret("my-secret-value-here"))),
        new WebhookSigningSecrets(new Secret("whsec_current"), new Secret("whsec_previous"), DateTimeOffset.UnixEpoch),
        DateTimeOffset.UnixEpoch);

    [Fact]
    public void Printing_a_subscription_never_shows_its_secrets()
    {
        foreach (var printed in new[] { Subscription.ToString(), new WebhookUpserted(Subscription).ToString() })
        {
            Assert.DoesNotContain("my-secret-value-here", printed, StringComparison.Ordinal);
            Assert.DoesNotContain("whsec_", printed, StringComparison.Ordinal);
            Assert.Contains("X-Webhook-Secret", printed, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_secret_travels_in_json_as_its_plain_value()
    {
        var json = JsonSerializer.Serialize(Subscription);

        Assert.Contains("\"my-secret-value-here\"", json, StringComparison.Ordinal);
        Assert.Equal(Subscription.Settings.SecretHeader, JsonSerializer.Deserialize<WebhookSubscription>(json)!.Settings.SecretHeader);
        Assert.Equal(Subscription.Signing, JsonSerializer.Deserialize<WebhookSubscription>(json)!.Signing);
    }
}
