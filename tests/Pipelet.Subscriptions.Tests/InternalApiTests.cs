using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.Testing;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// The internal API answers only the services it serves, each by its own key: webhook secrets go to the
/// dispatcher alone, the key check to the gateway and the dispatcher, and nothing to a caller without a key.
/// </summary>
public sealed class InternalApiTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    private const string Verify = "/internal/v1/api-keys/verify";
    private const string Webhooks = "/internal/v1/webhooks";

    [Fact]
    public async Task The_webhook_list_with_secrets_needs_the_dispatchers_key()
    {
        await fixture.App.Client().CreateWebhookAsync();
        using var anonymous = fixture.App.Internal(callerKey: null);
        using var wrong = fixture.App.Internal("not-a-key-of-any-service-000000000000000");
        using var gateway = fixture.App.Internal(InternalApiKeys.Gateway);
        using var dispatcher = fixture.App.Internal(InternalApiKeys.Dispatcher);

        foreach (var refused in new[] { await anonymous.GetAsync(Webhooks), await wrong.GetAsync(Webhooks) })
        {
            var body = await refused.AssertProblemAsync(401);
            Assert.DoesNotContain("secret", body.ToString(), StringComparison.OrdinalIgnoreCase);
        }

        await (await gateway.GetAsync(Webhooks)).AssertProblemAsync(403);
        var read = await dispatcher.GetAsync(Webhooks);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("my-secret-value-here", await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_check_needs_the_key_of_a_service_that_checks_keys()
    {
        var body = $$"""{"key":"{{SubscriptionsApp.BootstrapKey}}"}""";
        using var anonymous = fixture.App.Internal(callerKey: null);
        using var gateway = fixture.App.Internal(InternalApiKeys.Gateway);
        using var dispatcher = fixture.App.Internal(InternalApiKeys.Dispatcher);

        await (await anonymous.PostJsonAsync(Verify, body)).AssertProblemAsync(401);
        Assert.Equal(HttpStatusCode.OK, (await gateway.PostJsonAsync(Verify, body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await dispatcher.PostJsonAsync(Verify, body)).StatusCode);
    }

    [Fact]
    public async Task A_service_that_calls_the_internal_api_refuses_to_start_outside_development_without_its_key()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LoopbackServer.StartAsync(_ => { }, builder =>
        {
            builder.Environment.EnvironmentName = Environments.Production;
            builder.Configuration["services:subscriptions:internal:0"] = fixture.App.InternalAddress.ToString();
            builder.AddApiKeyAuthentication();
        }));

        Assert.Contains("InternalApi__Key", error.Message, StringComparison.Ordinal);
    }
}
