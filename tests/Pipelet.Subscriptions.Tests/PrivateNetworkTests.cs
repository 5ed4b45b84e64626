using System.Text.Json;
using Pipelet.Client;

namespace Pipelet.Subscriptions.Tests;

/// <summary>The service as the AppHost runs it locally: private networks allowed, no bootstrap key configured.</summary>
public sealed class LocalDevelopmentFixture : SubscriptionsAppFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Delivery:AllowPrivateNetworks"] = "true",
        ["Api:BootstrapKey"] = null,
    };

    /// <summary>The key the service generated and printed on first start.</summary>
    public string GeneratedKey => App.LogLines
        .Select(line => System.Text.RegularExpressions.Regex.Match(line, "X-API-Key: (hcpms_live_[0-9A-Za-z]+)"))
        .First(match => match.Success).Groups[1].Value;
}

/// <summary><c>POST /webhooks/{id}/test</c> through our client against a real receiver; the first-start key printed once.</summary>
public sealed class PrivateNetworkTests(LocalDevelopmentFixture fixture) : IClassFixture<LocalDevelopmentFixture>
{
    [Fact]
    public void Without_a_bootstrap_key_one_is_generated_and_printed_exactly_once()
    {
        var key = fixture.GeneratedKey;
        Assert.Single(fixture.App.LogLines, line => line.Contains(key, StringComparison.Ordinal));
        Assert.Contains(fixture.App.LogLines, line => line.Contains("PIPELET FIRST START", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_test_endpoint_posts_the_documented_payload_with_the_secret_header()
    {
        await using var receiver = await StandInServer.StartAsync("receiver");
        var api = fixture.App.Client(fixture.GeneratedKey);
        var id = await api.CreateWebhookAsync(new Uri(receiver.Address, "/webhooks/ocpp").ToString());

        var result = await api.Webhooks.TestAsync(id);

        Assert.True(result.Ok);
        Assert.Equal(200, result.StatusCode);
        Assert.True(result.DurationMs >= 0);
        Assert.Null(result.Error);

        var delivery = Assert.Single(receiver.Requests);
        Assert.Equal("POST", delivery.Method);
        Assert.Equal("/webhooks/ocpp", delivery.PathAndQuery);
        Assert.Equal("my-secret-value-here", delivery.Headers["X-Webhook-Secret"]);
        Assert.StartsWith("application/json", delivery.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.True(delivery.Headers.ContainsKey("webhook-id"));
        var body = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Equal(["event", "station_id", "timestamp", "payload"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("StartTransaction", body.GetProperty("event").GetString());
        Assert.Equal("WALLBOX_001", body.GetProperty("station_id").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body.GetProperty("timestamp").GetString());
        var payload = body.GetProperty("payload");
        Assert.Equal(1, payload.GetProperty("connectorId").GetInt32());
        Assert.Equal("RFID_12345678", payload.GetProperty("idTag").GetString());
        Assert.Equal(12345, payload.GetProperty("meterStart").GetInt32());
        Assert.Equal(42, payload.GetProperty("transactionId").GetInt32());
    }

    [Fact]
    public async Task A_receiver_answering_500_is_reported_with_its_status()
    {
        await using var receiver = await StandInServer.StartAsync("receiver");
        receiver.StatusCode = 500;
        var api = fixture.App.Client(fixture.GeneratedKey);
        var id = await api.CreateWebhookAsync(receiver.Address.ToString());

        var result = await api.Webhooks.TestAsync(id);

        Assert.False(result.Ok);
        Assert.Equal(500, result.StatusCode);
        Assert.Contains("500", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_receiver_is_ok_false_with_a_null_status_and_an_error()
    {
        var closedPort = LocalServers.FreePort.Next();
        var api = fixture.App.Client(fixture.GeneratedKey);
        var id = await api.CreateWebhookAsync($"http://127.0.0.1:{closedPort}/hook");

        var result = await api.Webhooks.TestAsync(id);

        Assert.False(result.Ok);
        Assert.Null(result.StatusCode);
        Assert.Contains("refused", result.Error, StringComparison.Ordinal);
    }
}
