using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.Testing;

namespace Pipelet.Subscriptions.Tests;

/// <summary>Keys: format, shown once, scopes (403), missing or wrong key (401), revocation everywhere within 5 s.</summary>
public sealed partial class ApiKeysTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    private readonly HttpClient _admin = fixture.App.Public();

    private async Task<(long Id, string Key)> CreateKeyAsync(string scopesJson = "null")
    {
        var response = await _admin.PostJsonAsync("/api/v1/api-keys", $$"""{"name":"integration","scopes":{{scopesJson}}}""");
        var body = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (body.GetProperty("id").GetInt64(), body.GetProperty("key").GetString()!);
    }

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
        var response = await _admin.PostJsonAsync("/api/v1/api-keys", """{"name":"billing","scopes":["webhooks:read"]}""");
        var created = await response.ReadJsonAsync();
        var key = created.GetProperty("key").GetString()!;

        Assert.Matches(KeyForm(), key);
        Assert.Equal(key[..15], created.GetProperty("prefix").GetString());
        var list = await _admin.GetStringAsync("/api/v1/api-keys");
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);
        var listed = JsonDocument.Parse(list).RootElement.GetProperty("items").EnumerateArray()
            .Single(k => k.GetProperty("id").GetInt64() == created.GetProperty("id").GetInt64());
        Assert.Equal("billing", listed.GetProperty("name").GetString());
        Assert.Equal(key[..15], listed.GetProperty("prefix").GetString());
        Assert.True(listed.TryGetProperty("created_at", out _));
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("last_used_at").ValueKind);

        using var client = fixture.App.Public(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/webhooks")).StatusCode);
        var used = JsonDocument.Parse(await _admin.GetStringAsync("/api/v1/api-keys")).RootElement.GetProperty("items").EnumerateArray()
            .Single(k => k.GetProperty("id").GetInt64() == created.GetProperty("id").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, used.GetProperty("last_used_at").ValueKind);

        Assert.DoesNotContain(fixture.App.LogLines, line => line.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.App.LogLines, line => line.Contains(SubscriptionsApp.BootstrapKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_bootstrap_key_from_configuration_has_every_scope()
    {
        var list = JsonDocument.Parse(await _admin.GetStringAsync("/api/v1/api-keys")).RootElement.GetProperty("items");
        var bootstrap = list.EnumerateArray().First();
        Assert.Equal("bootstrap", bootstrap.GetProperty("name").GetString());
        Assert.Equal(ApiScopes.All, bootstrap.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).ToArray());
    }

    [Fact]
    public async Task A_key_without_the_scope_gets_403()
    {
        var (_, key) = await CreateKeyAsync("""["webhooks:read"]""");
        using var reader = fixture.App.Public(key);

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/v1/webhooks")).StatusCode);
        await (await reader.PostJsonAsync("/api/v1/webhooks", """{"name":"x","url":"https://my-app.example.com/x","events":["*"]}""")).AssertProblemAsync(403);
        await (await reader.DeleteAsync("/api/v1/webhooks/1")).AssertProblemAsync(403);
        await (await reader.GetAsync("/api/v1/api-keys")).AssertProblemAsync(403);
    }

    [Fact]
    public async Task A_key_created_without_scopes_gets_the_four_product_scopes_but_cannot_manage_keys()
    {
        var response = await _admin.PostJsonAsync("/api/v1/api-keys", """{"name":"default"}""");
        var created = await response.ReadJsonAsync();
        Assert.Equal(ApiScopes.Default, created.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).ToArray());

        using var client = fixture.App.Public(created.GetProperty("key").GetString());
        await (await client.PostJsonAsync("/api/v1/api-keys", """{"name":"escalate","scopes":["api-keys:manage"]}""")).AssertProblemAsync(403);
    }

    [Theory]
    [InlineData("""{"name":"x","scopes":["webhooks:admin"]}""", "scopes")]
    [InlineData("""{"name":"x","scopes":[]}""", "scopes")]
    [InlineData("""{"scopes":["webhooks:read"]}""", "name")]
    [InlineData("""{"name":"x","role":"admin"}""", "role")]
    public async Task Bad_key_requests_are_field_errors(string body, string field)
    {
        var messages = await (await _admin.PostJsonAsync("/api/v1/api-keys", body)).AssertFieldErrorAsync(field);
        if (field == "scopes") Assert.Contains("webhooks:read", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoking_an_unknown_key_is_a_404_problem() =>
        await (await _admin.DeleteAsync("/api/v1/api-keys/987654321")).AssertProblemAsync(404);

    [Fact]
    public async Task A_revoked_key_stops_working_here_at_once_and_on_every_other_service_within_5_seconds()
    {
        var (id, key) = await CreateKeyAsync();
        await using var other = await OtherServiceAsync(fixture.App.InternalAddress);
        using var here = fixture.App.Public(key);
        using var there = new HttpClient { BaseAddress = other.Address };
        there.DefaultRequestHeaders.Add("X-API-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/api/v1/webhooks")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await there.GetAsync("/probe")).StatusCode); // now cached over there

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode);
        var revokedAt = DateTimeOffset.UtcNow;

        await (await here.GetAsync("/api/v1/webhooks")).AssertProblemAsync(401);
        using var internalApi = fixture.App.Internal();
        Assert.Equal(HttpStatusCode.NotFound, (await internalApi.PostJsonAsync("/internal/v1/api-keys/verify", $$"""{"key":"{{key}}"}""")).StatusCode);

        // The promise is "within 5 seconds": at that moment the other service must refuse the key.
        var deadline = revokedAt + TimeSpan.FromSeconds(5) - DateTimeOffset.UtcNow;
        if (deadline > TimeSpan.Zero) await Task.Delay(deadline);
        Assert.Equal(HttpStatusCode.Unauthorized, (await there.GetAsync("/probe")).StatusCode);

        var listed = JsonDocument.Parse(await _admin.GetStringAsync("/api/v1/api-keys")).RootElement.GetProperty("items").EnumerateArray()
            .Single(k => k.GetProperty("id").GetInt64() == id);
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("revoked_at").ValueKind);
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
                builder.AddApiKeyAuthentication();
            });

    [GeneratedRegex("^hcpms_live_[0-9A-Za-z]{32}$")]
    private static partial Regex KeyForm();
}
