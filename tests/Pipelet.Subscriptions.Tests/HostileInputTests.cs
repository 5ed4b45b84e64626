using System.Net;
using Pipelet.Testing;

namespace Pipelet.Subscriptions.Tests;

/// <summary>What a hostile probe (issue 19) sent the subscription service: every answer a 4xx problem, never a 500.</summary>
public sealed class HostileInputTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    private readonly HttpClient _api = fixture.App.Public();

    /// <summary>Every endpoint of the service that takes a body, with the client that reaches it.</summary>
    private async Task<IReadOnlyList<(HttpClient Client, HttpMethod Method, string Path, string Route)>> BodyEndpointsAsync()
    {
        var id = await fixture.App.Client().CreateWebhookAsync();
        return
        [
            (_api, HttpMethod.Post, "/api/v1/webhooks", "POST /api/v1/webhooks"),
            (_api, HttpMethod.Put, $"/api/v1/webhooks/{id}", "PUT /api/v1/webhooks/{id:positive-id}"),
            (_api, HttpMethod.Post, "/api/v1/api-keys", "POST /api/v1/api-keys"),
            (fixture.App.Internal(), HttpMethod.Post, "/internal/v1/api-keys/verify", "POST /internal/v1/api-keys/verify"),
            (fixture.App.Internal(), HttpMethod.Post, $"/internal/v1/webhooks/{id}/disable-failing", "POST /internal/v1/webhooks/{id:positive-id}/disable-failing"),
        ];
    }

    [Fact]
    public async Task Every_endpoint_that_takes_a_body_answers_the_hostile_body_matrix_with_problems()
    {
        foreach (var (client, method, path, _) in await BodyEndpointsAsync())
        {
            await HostileBodies.AssertRefusedAsync(client, method, path);
        }
    }

    [Fact]
    public async Task The_matrix_covers_every_endpoint_that_takes_a_body()
    {
        Assert.Equal(HostileBodies.BodyEndpoints(fixture.App.Services), (await BodyEndpointsAsync()).Select(e => e.Route).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("+1")]
    [InlineData("%201")]
    [InlineData("1%20")]
    [InlineData("01")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("1.0")]
    [InlineData("99999999999999999999")]
    public async Task An_id_that_is_not_a_plain_positive_integer_is_a_404_problem(string id)
    {
        // Webhook 1 exists in this fixture's fresh database (and API key 1 is the bootstrap key), so a lenient parse would find them.
        await fixture.App.Client().CreateWebhookAsync();
        foreach (var (method, path) in new[]
                 {
                     ("GET", $"/api/v1/webhooks/{id}"),
                     ("PUT", $"/api/v1/webhooks/{id}"),
                     ("DELETE", $"/api/v1/webhooks/{id}"),
                     ("POST", $"/api/v1/webhooks/{id}/test"),
                     ("GET", $"/api/v1/webhooks/{id}/signing-secret"),
                     ("POST", $"/api/v1/webhooks/{id}/signing-secret/rotate"),
                     ("DELETE", $"/api/v1/api-keys/{id}"),
                 })
        {
            await HostileBodies.AssertProblemAsync(_api, new HttpMethod(method), path, 404, method == "PUT" ? Http.Json("""{"name":"renamed"}""") : null);
        }

        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync("/api/v1/webhooks/1")).StatusCode);
    }

    [Theory]
    [InlineData("\u200B")]                       // zero-width space
    [InlineData("\u200B\u200C\u200D\u2060\uFEFF")] // zero-width space, non-joiner, joiner, word joiner, BOM
    [InlineData("\u3164\u3164")]                 // Hangul filler
    [InlineData("\u2800")]                       // Braille blank
    [InlineData("\u00A0\u2003")]                 // no-break and em spaces
    [InlineData("\u0301")]                       // a combining accent on nothing
    [InlineData("\u202Egnp.exe")]                // right-to-left override
    [InlineData("billing\u2066hidden\u2069")]    // left-to-right isolate
    [InlineData("evil\u202A")]                   // left-to-right embedding
    public async Task A_name_of_invisible_characters_or_with_bidi_overrides_is_refused(string name)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(name);
        await (await _api.PostJsonAsync("/api/v1/webhooks",
            $$"""{"name":{{json}},"url":"https://my-app.example.com/x","events":["*"]}""")).AssertFieldErrorAsync("name");
        var id = await fixture.App.Client().CreateWebhookAsync();
        await (await _api.PutJsonAsync($"/api/v1/webhooks/{id}", $$"""{"name":{{json}}}""")).AssertFieldErrorAsync("name");
        await (await _api.PostJsonAsync("/api/v1/api-keys", $$"""{"name":{{json}}}""")).AssertFieldErrorAsync("name");
    }

    [Theory]
    [InlineData("Ladestation Köln \u200D👩‍🔧")]
    [InlineData("\u05D7\u05D9\u05D5\u05D1 \u200F(RTL mark)")]
    [InlineData("\u3164x")]
    public async Task A_name_with_a_visible_character_and_no_override_is_accepted(string name)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(name);
        var response = await _api.PostJsonAsync("/api/v1/webhooks", $$"""{"name":{{json}},"url":"https://my-app.example.com/x","events":["*"]}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("http://[::127.0.0.1]/hook")]          // IPv4-compatible
    [InlineData("http://[::ffff:0:127.0.0.1]/hook")]   // IPv4-translated
    [InlineData("http://[::ffff:127.0.0.1]/hook")]     // IPv4-mapped
    [InlineData("http://[2002:7f00:1::1]/hook")]       // 6to4 of 127.0.0.1
    [InlineData("http://[2002:a9fe:a9fe::1]/latest")]  // 6to4 of 169.254.169.254
    [InlineData("http://[64:ff9b::10.0.0.1]/hook")]    // NAT64 of a private address
    [InlineData("http://[64:ff9b::7f00:1]/hook")]      // NAT64 of loopback
    [InlineData("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook")] // Teredo, client 127.0.0.1
    [InlineData("http://[fe80::5efe:7f00:1]/hook")]    // ISATAP, link-local
    [InlineData("http://[2001:db8::5efe:a00:1]/hook")] // ISATAP of 10.0.0.1
    [InlineData("http://[::]/hook")]
    [InlineData("http://localhost./hook")]             // RFC 6761: loopback, even when DNS does not answer for it
    [InlineData("http://api.localhost/hook")]
    public async Task A_url_on_an_IPv6_form_of_a_private_IPv4_address_is_refused(string url)
    {
        var messages = await (await _api.PostJsonAsync("/api/v1/webhooks",
            $$"""{"name":"ssrf","url":"{{url}}","events":["*"]}""")).AssertFieldErrorAsync("url");
        Assert.Contains("private", messages, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/api/v1/api-keys/1")]
    [InlineData("PATCH", "/api/v1/webhooks/1")]
    [InlineData("DELETE", "/api/v1/webhooks")]
    [InlineData("GET", "/internal/v1/api-keys/verify")]
    public async Task A_wrong_method_is_a_405_problem(string method, string path)
    {
        var client = path.StartsWith("/internal", StringComparison.Ordinal) ? fixture.App.Internal() : _api;
        await HostileBodies.AssertProblemAsync(client, new HttpMethod(method), path, 405);
    }
}
