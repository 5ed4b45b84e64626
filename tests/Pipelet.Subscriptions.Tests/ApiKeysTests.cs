using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Pipelet.Client;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.Testing;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// Keys: format, shown once, scopes (403), missing or wrong key (401), revocation everywhere within 5 s. Through our
/// client; by hand for a missing or wrong key header, bodies the client cannot send, the raw list, other services and
/// the internal port.
/// </summary>
public sealed partial class ApiKeysTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    private readonly HttpClient _admin = fixture.App.Public();
    private readonly PipeletClient _client = fixture.App.Client();

    private async Task<(long Id, string Key)> CreateKeyAsync(IReadOnlyList<string>? scopes = null)
    {
        var created = await _client.ApiKeys.CreateAsync(new CreateApiKey("integration", scopes));
        return (created.Id, created.Key);
    }

    private async Task<ApiKey> ListedAsync(long id) => await _client.ApiKeys.ListAllAsync().SingleAsync(k => k.Id == id);

    [Fact]
    public async Task A_missing_key_is_a_401_problem()
    {
        using var anonymous = fixture.App.Public(apiKey: null);
        var response = await anonymous.GetAsync("/api/v1/webhooks");
        await response.AssertProblemAsync(401);
        Assert.Equal("ApiKey", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_wrong_key_is_a_401_problem()
    {
        using var wrong = fixture.App.Public("hcpms_live_ThisKeyDoesNotExist000000000000000");
        await (await wrong.GetAsync("/api/v1/webhooks")).AssertProblemAsync(401);
    }

    [Fact]
    public async Task A_new_key_has_the_documented_form_is_shown_once_and_never_logged()
    {
        var created = await _client.ApiKeys.CreateAsync(new CreateApiKey("billing", ["webhooks:read"]));
        var key = created.Key;

        Assert.Matches(KeyForm(), key);
        Assert.Equal(key[..15], created.Prefix);
        Assert.Equal(["webhooks:read"], created.Scopes);
        // By hand: the list as sent, whatever field the key might hide in.
        Assert.DoesNotContain(key, await _admin.GetStringAsync("/api/v1/api-keys"), StringComparison.Ordinal);
        var listed = await ListedAsync(created.Id);
        Assert.Equal("billing", listed.Name);
        Assert.Equal(key[..15], listed.Prefix);
        Assert.NotEqual(default, listed.CreatedAt);
        Assert.Null(listed.LastUsedAt);
        Assert.Null(listed.RevokedAt);

        await fixture.App.Client(key).Webhooks.ListAsync();
        Assert.NotNull((await ListedAsync(created.Id)).LastUsedAt);

        Assert.DoesNotContain(fixture.App.LogLines, line => line.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.App.LogLines, line => line.Contains(SubscriptionsApp.BootstrapKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_bootstrap_key_from_configuration_has_every_scope()
    {
        var bootstrap = (await _client.ApiKeys.ListAsync()).Items[0];
        Assert.Equal("bootstrap", bootstrap.Name);
        Assert.Equal(ApiScopes.All, bootstrap.Scopes);
    }

    [Fact]
    public async Task A_key_without_the_scope_gets_403()
    {
        var (_, key) = await CreateKeyAsync(["webhooks:read"]);
        var reader = fixture.App.Client(key);

        await reader.Webhooks.ListAsync();
        await reader.Webhooks.CreateAsync(new CreateWebhook("x", "https://my-app.example.com/x", ["*"])).AssertProblemAsync(403);
        await reader.Webhooks.DeleteAsync(1).AssertProblemAsync(403);
        await reader.ApiKeys.ListAsync().AssertProblemAsync(403);
    }

    [Fact]
    public async Task A_key_created_without_scopes_gets_the_four_product_scopes_but_cannot_manage_keys()
    {
        var created = await _client.ApiKeys.CreateAsync(new CreateApiKey("default"));
        Assert.Equal(ApiScopes.Default, created.Scopes);

        var client = fixture.App.Client(created.Key);
        await client.ApiKeys.CreateAsync(new CreateApiKey("escalate", ["api-keys:manage"])).AssertProblemAsync(403);
    }

    [Theory]
    [InlineData("webhooks:admin")]
    [InlineData(null)]
    public async Task Unknown_or_no_scopes_are_field_errors_that_list_the_valid_ones(string? scope)
    {
        var messages = await _client.ApiKeys.CreateAsync(new CreateApiKey("x", scope is null ? [] : [scope])).AssertFieldErrorAsync("scopes");
        Assert.Contains("webhooks:read", messages, StringComparison.Ordinal);
    }

    /// <summary>By hand: bodies the client cannot send.</summary>
    [Theory]
    [InlineData("""{"scopes":["webhooks:read"]}""", "name")]
    [InlineData("""{"name":"x","role":"admin"}""", "role")]
    public async Task Bad_key_requests_are_field_errors(string body, string field) =>
        await (await _admin.PostJsonAsync("/api/v1/api-keys", body)).AssertFieldErrorAsync(field);

    [Fact]
    public async Task Revoking_an_unknown_key_is_a_404_problem() =>
        await _client.ApiKeys.RevokeAsync(987654321).AssertProblemAsync(404);

    [Fact]
    public async Task A_revoked_key_stops_working_here_at_once_and_on_every_other_service_within_5_seconds()
    {
        var (id, key) = await CreateKeyAsync();
        await using var other = await OtherServiceAsync(fixture.App.InternalAddress);
        var here = fixture.App.Client(key);
        using var there = new HttpClient { BaseAddress = other.Address };
        there.DefaultRequestHeaders.Add("X-API-Key", key);
        await here.Webhooks.ListAsync();
        Assert.Equal(HttpStatusCode.OK, (await there.GetAsync("/probe")).StatusCode); // now cached over there

        await _client.ApiKeys.RevokeAsync(id);
        var revokedAt = DateTimeOffset.UtcNow;

        await here.Webhooks.ListAsync().AssertProblemAsync(401);
        using var internalApi = fixture.App.Internal();
        Assert.Equal(HttpStatusCode.NotFound, (await internalApi.PostJsonAsync("/internal/v1/api-keys/verify", $$"""{"key":"{{key}}"}""")).StatusCode);

        // The promise is "within 5 seconds": at that moment the other service must refuse the key.
        var deadline = revokedAt + TimeSpan.FromSeconds(5) - DateTimeOffset.UtcNow;
        if (deadline > TimeSpan.Zero) await Task.Delay(deadline);
        Assert.Equal(HttpStatusCode.Unauthorized, (await there.GetAsync("/probe")).StatusCode);

        Assert.NotNull((await ListedAsync(id)).RevokedAt);
    }

    [Fact]
    public async Task The_internal_verify_endpoint_answers_the_documented_contract()
    {
        using var internalApi = fixture.App.Internal();
        var response = await internalApi.PostJsonAsync("/internal/v1/api-keys/verify", $$"""{"key":"{{SubscriptionsApp.BootstrapKey}}"}""");
        var identity = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.String, identity.GetProperty("id").ValueKind);
        Assert.Equal("bootstrap", identity.GetProperty("name").GetString());
        Assert.Contains("webhooks:read", identity.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await internalApi.PostJsonAsync("/internal/v1/api-keys/verify", """{"key":"hcpms_live_nope"}""")).StatusCode);
    }

    [Fact]
    public async Task Another_service_answers_503_not_401_or_500_when_the_key_check_is_down()
    {
        await using var other = await OtherServiceAsync(new Uri($"http://127.0.0.1:{LocalServers.FreePort.Next()}/"));
        using var client = new HttpClient { BaseAddress = other.Address };
        client.DefaultRequestHeaders.Add("X-API-Key", SubscriptionsApp.BootstrapKey);

        var response = await client.GetAsync("/probe");

        await response.AssertProblemAsync(503);
    }

    [Fact]
    public async Task Another_service_without_the_key_check_address_refuses_to_start_and_says_which_setting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            LoopbackServer.StartAsync(_ => { }, builder => builder.AddApiKeyAuthentication()));

        Assert.Contains("services__subscriptions__internal__0", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Another Pipelet service: checks keys with <c>AddApiKeyAuthentication()</c> through our internal endpoint.</summary>
    private static Task<LoopbackServer> OtherServiceAsync(Uri internalAddress) =>
        LoopbackServer.StartAsync(
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/probe", () => "ok").RequireAuthorization(ApiScopes.WebhooksRead);
            },
            builder =>
            {
                builder.Configuration["services:subscriptions:internal:0"] = internalAddress.ToString();
                builder.Configuration["InternalApi:Key"] = InternalApiKeys.Gateway;
                builder.AddApiKeyAuthentication();
            });

    [GeneratedRegex("^hcpms_live_[0-9A-Za-z]{32}$")]
    private static partial Regex KeyForm();
}
