using System.Net;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// The delivery log API runs the same API-key pipeline as every public API: authentication, the per-key
/// rate limit (<c>Api__RateLimit__*</c>), then the scope.
/// </summary>
public sealed class RateLimitTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_with_retry_after_from_the_delivery_log()
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(vhost, database, subscriptions.BaseUri,
            Extra: new Dictionary<string, string?> { ["Api__RateLimit__Burst"] = "2", ["Api__RateLimit__PermitsPerSecond"] = "1" }));
        using var api = new HttpClient { BaseAddress = dispatcher.BaseUri };
        api.DefaultRequestHeaders.Add("X-API-Key", FakeSubscriptions.AdminKey);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        // Two at once, then one a second: some of ten calls in a row must be refused.
        for (var i = 0; i < 10 && refused is null; i++)
        {
            var response = await api.GetAsync("/api/v1/failed-deliveries");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
        }

        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter is not null, "429 without Retry-After");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }
}
