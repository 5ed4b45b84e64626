using Pipelet.Client;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// Every bad input of issue 3 gets an RFC 7807 problem with a field error (never a 500), against real PostgreSQL. Values
/// go through our client; bodies it cannot send (malformed JSON, wrong types, unknown or missing fields, other content
/// types), paths it does not make and the deprecated <c>after</c> are sent by hand.
/// </summary>
public sealed class WebhookValidationTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    private const string Valid = """
        "name":"My Integration","url":"https://my-app.example.com/webhooks/ocpp","enabled":true,
        "events":["StartTransaction"],"secret_header":"X-Webhook-Secret","secret_value":"my-secret-value-here"
        """;

    /// <summary><see cref="Valid"/> as our client sends it.</summary>
    private static readonly CreateWebhook ValidWebhook = new("My Integration", "https://my-app.example.com/webhooks/ocpp", ["StartTransaction"],
        Enabled: true, SecretHeader: "X-Webhook-Secret", SecretValue: "my-secret-value-here");

    private readonly HttpClient _api = fixture.App.Public();
    private readonly PipeletClient _client = fixture.App.Client();

    private Task Create(CreateWebhook webhook) => _client.Webhooks.CreateAsync(webhook);

    private Task<HttpResponseMessage> Create(string json) => _api.PostJsonAsync("/api/v1/webhooks", json);

    /// <summary>The valid body with one field replaced (or added) by <paramref name="field"/> = <paramref name="jsonValue"/>.</summary>
    private static string With(string field, string jsonValue) =>
        "{" + string.Join(",", Valid.Split(",\"").Select((part, i) => i == 0 ? part : "\"" + part)
            .Where(part => !part.TrimStart().StartsWith($"\"{field}\"", StringComparison.Ordinal))
            .Append($"\"{field}\":{jsonValue}")) + "}";

    [Theory]
    [InlineData("""{"name": "x", """)]
    [InlineData("""not json at all""")]
    [InlineData("""{"name": "x",}""")]
    public async Task Malformed_json_is_a_body_error(string body)
    {
        var messages = await (await Create(body)).AssertFieldErrorAsync("body");
        Assert.Contains("not valid JSON", messages, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("enabled", "\"yes\"", "true or false")]
    [InlineData("events", "\"StartTransaction\"", "array of strings")]
    [InlineData("name", "42", "a string")]
    [InlineData("url", "{}", "a string")]
    public async Task A_wrong_type_names_the_field_and_the_expected_type(string field, string value, string expected)
    {
        var messages = await (await Create(With(field, value))).AssertFieldErrorAsync(field);
        Assert.True(messages.Contains(expected, StringComparison.Ordinal), messages);
    }

    [Fact]
    public async Task An_unknown_field_is_refused_and_the_allowed_ones_are_listed()
    {
        var messages = await (await Create(With("colour", "\"red\""))).AssertFieldErrorAsync("colour");
        Assert.Contains("secret_header", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_field_in_a_put_is_refused_too()
    {
        var id = await _client.CreateWebhookAsync();
        await (await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"secret":"oops"}""")).AssertFieldErrorAsync("secret");
    }

    [Theory]
    [InlineData("StartTransactionn")]
    [InlineData("starttransaction")]
    [InlineData("StartTransaction", "Bogus")]
    public async Task An_unknown_event_is_refused_and_the_valid_ones_are_listed(params string[] events)
    {
        var messages = await Create(ValidWebhook with { Events = events }).AssertFieldErrorAsync("events");
        Assert.Contains("Unknown event", messages, StringComparison.Ordinal);
        foreach (var name in Contracts.Events.EventCatalogue.All.Select(e => e.Name))
        {
            Assert.Contains(name, messages, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Events_must_not_be_empty() =>
        await Create(ValidWebhook with { Events = [] }).AssertFieldErrorAsync("events");

    [Fact]
    public async Task Events_must_not_be_null() =>
        await (await Create(With("events", "null"))).AssertFieldErrorAsync("events");

    [Theory]
    [InlineData("/webhooks/ocpp")]
    [InlineData("my-app.example.com/webhooks")]
    [InlineData("ftp://my-app.example.com/webhooks")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://user:pass@my-app.example.com/webhooks")]
    [InlineData("")]
    public async Task The_url_must_be_absolute_http_or_https(string url) =>
        await Create(ValidWebhook with { Url = url }).AssertFieldErrorAsync("url");

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://192.168.1.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/hook")]
    public async Task A_url_on_a_loopback_private_or_link_local_address_is_refused(string url)
    {
        var messages = await Create(ValidWebhook with { Url = url }).AssertFieldErrorAsync("url");
        Assert.Contains("private", messages, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X Webhook Secret")]
    [InlineData("X-Webhook-Secret:")]
    [InlineData("X-Wébhook")]
    [InlineData("")]
    public async Task The_secret_header_must_be_a_header_name(string header) =>
        await Create(ValidWebhook with { SecretHeader = header }).AssertFieldErrorAsync("secret_header");

    [Theory]
    [InlineData("Host")]
    [InlineData("Content-Type")]
    [InlineData("content-length")]
    [InlineData("webhook-id")]
    [InlineData("User-Agent")]
    public async Task A_reserved_secret_header_is_refused(string header)
    {
        var messages = await Create(ValidWebhook with { SecretHeader = header }).AssertFieldErrorAsync("secret_header");
        Assert.Contains("reserved", messages, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name", 201)]
    [InlineData("secret_value", 1025)]
    public async Task Oversized_values_are_refused(string field, int length)
    {
        var value = new string('a', length);
        var webhook = field == "name" ? ValidWebhook with { Name = value } : ValidWebhook with { SecretValue = value };
        await Create(webhook).AssertFieldErrorAsync(field);
    }

    [Fact]
    public async Task An_oversized_url_is_refused() =>
        await Create(ValidWebhook with { Url = $"https://my-app.example.com/{new string('a', 2048)}" }).AssertFieldErrorAsync("url");

    [Fact]
    public async Task A_secret_header_needs_a_secret_value() =>
        await Create(ValidWebhook with { SecretValue = null }).AssertFieldErrorAsync("secret_value");

    [Fact]
    public async Task A_missing_name_and_url_are_reported_together()
    {
        var response = await Create("""{"events":["StartTransaction"]}""");
        await response.AssertFieldErrorAsync("name");
        var problem = await response.ReadJsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _));
    }

    [Fact]
    public async Task A_body_that_is_not_json_content_is_a_415_problem()
    {
        var response = await _api.PostAsync("/api/v1/webhooks", new StringContent("name=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        await response.AssertProblemAsync(415);
    }

    [Fact]
    public async Task An_empty_body_is_a_problem() =>
        await (await _api.PostAsync("/api/v1/webhooks", new StringContent("", System.Text.Encoding.UTF8, "application/json"))).AssertProblemAsync(400);

    [Fact]
    public async Task A_missing_webhook_is_a_404_problem()
    {
        const long missing = 987654321;
        await _client.Webhooks.GetAsync(missing).AssertProblemAsync(404);
        await _client.Webhooks.UpdateAsync(missing, new UpdateWebhook(Name: "x")).AssertProblemAsync(404);
        await _client.Webhooks.DeleteAsync(missing).AssertProblemAsync(404);
        await _client.Webhooks.TestAsync(missing).AssertProblemAsync(404);
    }

    /// <summary>By hand: paths our client does not make.</summary>
    [Theory]
    [InlineData("/api/v1/webhooks/not-a-number")]
    [InlineData("/api/v1/nothing-here")]
    public async Task A_path_of_no_resource_is_a_404_problem(string path) =>
        await (await _api.GetAsync(path)).AssertProblemAsync(404);

    [Theory]
    [InlineData(null, 0, "limit")]
    [InlineData(null, 101, "limit")]
    [InlineData("abc", null, "cursor")]
    [InlineData("-1", null, "cursor")]
    public async Task Bad_paging_parameters_are_field_errors(string? cursor, int? limit, string field) =>
        await _client.Webhooks.ListAsync(cursor, limit).AssertFieldErrorAsync(field);

    /// <summary>By hand: the deprecated <c>after</c>, which our client does not send.</summary>
    [Theory]
    [InlineData("after=-1", "after")]
    [InlineData("after=abc", "after")]
    [InlineData("cursor=abc&after=1", "cursor")]
    public async Task Bad_deprecated_paging_parameters_are_field_errors(string query, string field) =>
        await (await _api.GetAsync($"/api/v1/webhooks?{query}")).AssertFieldErrorAsync(field);

    [Fact]
    public async Task A_put_that_would_leave_a_secret_value_without_its_header_is_refused()
    {
        var id = (await _client.Webhooks.CreateAsync(new CreateWebhook("no secret", "https://my-app.example.com/x", ["*"]))).Id;
        await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(SecretValue: "abc")).AssertFieldErrorAsync("secret_header");
    }
}
