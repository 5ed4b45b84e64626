using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Contracts.Tests;

public sealed class WebhookSubscriptionTests
{
    [Fact]
    public void Printing_a_subscription_never_shows_its_secret_value()
    {
        var subscription = new WebhookSubscription(
            42, "My Integration", new Uri("https://example.com/hook"), true, ["*"], null,
            "X-Webhook-Secret", "my-secret-value-here", DateTimeOffset.UnixEpoch);

        var printed = subscription.ToString();

        Assert.DoesNotContain("my-secret-value-here", printed, StringComparison.Ordinal);
        Assert.Contains("X-Webhook-Secret", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("my-secret-value-here", new WebhookUpserted(subscription).ToString(), StringComparison.Ordinal);
    }
}
