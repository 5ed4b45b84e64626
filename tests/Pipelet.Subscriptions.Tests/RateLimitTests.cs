using System.Net;

namespace Pipelet.Subscriptions.Tests;

public sealed class TightRateLimitFixture : SubscriptionsAppFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Api:RateLimit:PermitsPerSecond"] = "1",
        ["Api:RateLimit:Burst"] = "3",
    };
}

/// <summary>Per-key rate limit: over it, 429 with Retry-After and a problem body; other keys are unaffected.</summary>
public sealed class RateLimitTests(TightRateLimitFixture fixture) : IClassFixture<TightRateLimitFixture>
{
    [Fact]
    public async Task A_key_over_its_limit_gets_429_with_retry_after_while_another_key_still_works()
    {
        using var admin = fixture.App.Public();
        var created = await (await admin.PostJsonAsync("/api/v1/api-keys", """{"name":"other"}""")).ReadJsonAsync();

        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await admin.GetAsync("/api/v1/webhooks/events");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
        }

        Assert.NotNull(limited);
        await limited.AssertProblemAsync(429);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");

        using var other = fixture.App.Public(created.GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/v1/webhooks/events")).StatusCode);
    }
}
