using System.Net;
using Pipelet.Client;

namespace Pipelet.Subscriptions.Tests;

public sealed class TightRateLimitFixture : SubscriptionsAppFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Api:RateLimit:PermitsPerSecond"] = "1",
        ["Api:RateLimit:Burst"] = "3",
    };
}

/// <summary>
/// Per-key rate limit: over it, 429 with Retry-After and a problem body; other keys are unaffected. The limited calls by
/// hand (the Retry-After header is on the wire only); the other key's through our client.
/// </summary>
public sealed class RateLimitTests(TightRateLimitFixture fixture) : IClassFixture<TightRateLimitFixture>
{
    [Fact]
    public async Task A_key_over_its_limit_gets_429_with_retry_after_while_another_key_still_works()
    {
        var other = fixture.App.Client((await fixture.App.Client().ApiKeys.CreateAsync(new CreateApiKey("other"))).Key);
        using var admin = fixture.App.Public();

        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await admin.GetAsync("/api/v1/webhooks/events");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
        }

        Assert.NotNull(limited);
        await limited.AssertProblemAsync(429);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");

        Assert.NotEmpty(await other.Webhooks.ListEventsAsync());
    }
}
