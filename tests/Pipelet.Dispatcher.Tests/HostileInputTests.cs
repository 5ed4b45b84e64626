using System.Net;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>The dispatcher process with one enabled webhook, for probing its API.</summary>
public sealed class HostileInputFixture : IAsyncLifetime
{
    private readonly RealInfrastructure _infrastructure = new();

    public FakeSubscriptions Subscriptions { get; private set; } = null!;

    public DispatcherProcess Dispatcher { get; private set; } = null!;

    public WebhookSubscription Webhook { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _infrastructure.InitializeAsync();
        Subscriptions = await FakeSubscriptions.StartAsync();
        Webhook = Subscriptions.Subscribe("probe", new Uri("http://127.0.0.1:9/never-called"));
        Dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(
            _infrastructure.RabbitMqConnectionString, _infrastructure.PostgresConnectionString, Subscriptions.BaseUri));
        Api = new HttpClient { BaseAddress = Dispatcher.BaseUri };
        Api.DefaultRequestHeaders.Add("X-API-Key", FakeSubscriptions.AdminKey);
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (Dispatcher is not null) await Dispatcher.DisposeAsync();
        if (Subscriptions is not null) await Subscriptions.DisposeAsync();
        await _infrastructure.DisposeAsync();
    }
}

/// <summary>What a hostile probe (issue 19) sent the dispatcher's API: every answer a 4xx problem, never a 500.</summary>
public sealed class HostileInputTests(HostileInputFixture fixture) : IClassFixture<HostileInputFixture>
{
    private string Recover => $"/api/v1/webhooks/{fixture.Webhook.WebhookId}/recover";

    /// <summary>The dispatcher's only endpoint that takes a body is recover (retry takes none).</summary>
    [Fact]
    public Task The_recover_endpoint_answers_the_hostile_body_matrix_with_problems() =>
        HostileBodies.AssertRefusedAsync(fixture.Api, HttpMethod.Post, Recover);

    [Theory]
    [InlineData("""{"since":"yesterday"}""")]
    [InlineData("""{"since":1e400}""")]
    [InlineData("""{"since":"0001-01-01T00:00:00+14:00"}""")]
    [InlineData("""{"since":"9999-12-31T23:59:59-14:00"}""")]
    [InlineData("""{"since":["2026-01-01T00:00:00Z"]}""")]
    [InlineData("""{"since":null}""")]
    [InlineData("""{}""")]
    public async Task A_since_that_is_not_a_timestamp_is_a_field_error(string body)
    {
        using var response = await fixture.Api.PostAsync(Recover, HostileBodies.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(HostileBodies.Describe(response, text, 400) is null, text);
        Assert.Contains("\"since\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-01-01T00:00:00+02:00")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("2026-01-01T00:00:00.1234567-09:30")]
    public async Task A_since_with_any_offset_is_the_same_instant_in_utc(string since)
    {
        using var response = await fixture.Api.PostAsync(Recover, HostileBodies.Json($$"""{"since":"{{since}}"}"""));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("+1")]
    [InlineData("%201")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("01")]
    [InlineData("1e3")]
    public async Task A_webhook_id_that_is_not_a_plain_positive_integer_is_a_404_problem(string id)
    {
        foreach (var (method, path) in new[] { ("GET", $"/api/v1/webhooks/{id}/deliveries"), ("POST", $"/api/v1/webhooks/{id}/recover") })
        {
            await HostileBodies.AssertProblemAsync(fixture.Api, new HttpMethod(method), path, 404,
                method == "POST" ? HostileBodies.Json("""{"since":"2026-01-01T00:00:00Z"}""") : null);
        }
    }

    [Theory]
    [InlineData("{{{0}}}")]
    [InlineData("({0})")]
    [InlineData("%20{0}")]
    [InlineData("{0:N}")]
    public async Task A_delivery_id_in_another_spelling_than_8_4_4_4_12_does_not_match_the_route(string spelling)
    {
        var id = string.Format(System.Globalization.CultureInfo.InvariantCulture, spelling, Guid.NewGuid());
        foreach (var (method, path) in new[] { ("GET", $"/api/v1/deliveries/{id}"), ("GET", $"/api/v1/failed-deliveries/{id}"), ("POST", $"/api/v1/failed-deliveries/{id}/retry") })
        {
            using var response = await fixture.Api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(HostileBodies.Describe(response, text, 404) is null, $"{method} {path}: {text}");
            // The handler's 404 names the delivery it looked for; the route's own 404 does not get that far.
            Assert.DoesNotContain("No ", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("+5")]
    public async Task A_webhook_id_filter_that_is_not_a_plain_positive_integer_is_a_field_error(string id)
    {
        using var response = await fixture.Api.GetAsync($"/api/v1/failed-deliveries?webhook_id={Uri.EscapeDataString(id)}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(HostileBodies.Describe(response, text, 400) is null, text);
    }

    [Theory]
    [InlineData("GET", "/api/v1/webhooks/1/recover", 405)]
    [InlineData("DELETE", "/api/v1/failed-deliveries", 405)]
    [InlineData("GET", "/api/v1/nothing-here", 404)]
    public Task Wrong_methods_and_unknown_routes_are_problems(string method, string path, int status) =>
        HostileBodies.AssertProblemAsync(fixture.Api, new HttpMethod(method), path, status);
}
