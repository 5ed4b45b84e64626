using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Pipelet.Client;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.LocalServers;
using Pipelet.Testing;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// Signed webhooks end to end: the real subscription service and dispatcher on a real broker and database,
/// driven through our client, with a receiver that checks every request with the Standard Webhooks reference
/// library (StandardWebhooks 1.1.2) and with our own verifier.
/// </summary>
public sealed class SignedWebhooksEndToEndTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private const string BootstrapKey = "hcpms_live_SignedEndToEndKey000000000000000";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_request_verifies_with_the_reference_library_through_retries_tests_and_a_rotation()
    {
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var receiver = await Receiver.StartAsync();
        var (publicUri, internalUri) = (new Uri($"http://127.0.0.1:{FreePort.Next()}/"), new Uri($"http://127.0.0.1:{FreePort.Next()}/"));
        await using var subscriptions = await ServiceProcess.StartAsync("subscriptions", ServiceProcess.BuildOutput("Pipelet.Subscriptions"), publicUri,
            new Dictionary<string, string?>
            {
                ["ConnectionStrings__subscriptionsdb"] = await infrastructure.CreateDatabaseAsync(),
                ["ConnectionStrings__rabbitmq"] = vhost,
                ["Webhooks__EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Api__InternalPort"] = internalUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Api__BootstrapKey"] = BootstrapKey,
                ["ASPNETCORE_URLS"] = $"{publicUri.ToString().TrimEnd('/')};{internalUri.ToString().TrimEnd('/')}",
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["services__gateway__http__0"] = $"http://127.0.0.1:{FreePort.Next()}",
                ["services__dispatcher__http__0"] = $"http://127.0.0.1:{FreePort.Next()}",
                ["Delivery__AllowPrivateNetworks"] = "true",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            });
        var client = PipeletClient.Create(publicUri, BootstrapKey);
        var webhook = await client.Webhooks.CreateAsync(new CreateWebhook("signed", receiver.Hook("signed").ToString(), ["*"],
            Stations: ["CP-SIGNED"], SecretHeader: "X-Webhook-Secret", SecretValue: "the-seed-secret"));
        var first = (await client.Webhooks.GetSigningSecretAsync(webhook.Id)).Value;
        await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(vhost, await infrastructure.CreateDatabaseAsync(), internalUri, Timeout: null));
        await using var bus = await TestBus.StartAsync(vhost);

        // A first try that fails: the retry carries the same webhook-id, its own timestamp, and verifies too.
        var retried = TestBus.Event(station: "CP-SIGNED");
        receiver.Behave("signed", hit => hit.EventId == retried.EventId && hit.Attempt == 1 ? new Answer(500) : new Answer(200));
        await bus.PublishAsync(retried);
        await receiver.WaitUntilAsync(r => r.HitsOf("signed").Any(h => h.EventId == retried.EventId && h.Attempt == 2), Patience, "the first try and its retry");
        Assert.True((await client.Webhooks.TestAsync(webhook.Id)).Ok);

        var beforeRotation = receiver.HitsOf("signed");
        Assert.Contains(beforeRotation, h => h.EventId != retried.EventId); // the test endpoint's request
        foreach (var hit in beforeRotation)
        {
            Assert.Single(hit.Header(WebhookVerifier.SignatureHeader).Split(' '));
            new StandardWebhook(first).Verify(hit.Body, Headers(hit));
            WebhookVerifier.Verify(first, Headers(hit), Encoding.UTF8.GetBytes(hit.Body));
            Assert.Equal("the-seed-secret", hit.Header("X-Webhook-Secret"));
        }

        var (tried, retry) = (beforeRotation.First(h => h.EventId == retried.EventId && h.Attempt == 1), beforeRotation.First(h => h.EventId == retried.EventId && h.Attempt == 2));
        Assert.Equal(tried.Header(WebhookVerifier.IdHeader), retry.Header(WebhookVerifier.IdHeader));
        Assert.Equal(retried.EventId.ToString(), retry.Header(WebhookVerifier.IdHeader));

        // The delivery log through the same client (the dispatcher's routes, the key checked by the subscription service).
        var log = PipeletClient.Create(dispatcher.BaseUri, BootstrapKey);
        var logged = await WaitForAsync(async () =>
        {
            await foreach (var delivery in log.Deliveries.ListAllAsync(webhook.Id, status: "succeeded", pageSize: 1))
            {
                if (delivery.EventId == retried.EventId) return delivery;
            }

            return null;
        });
        var detail = await log.Deliveries.GetAsync(logged.DeliveryId);
        Assert.Equal([500, 200], detail.Attempts.Select(a => a.StatusCode ?? 0));

        // What the library refuses: another body under the same signature, and a request replayed ten minutes later.
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(first).Verify(tried.Body.Replace("CP-SIGNED", "CP-FORGED", StringComparison.Ordinal), Headers(tried)));
        var stale = Headers(tried);
        stale[WebhookVerifier.TimestampHeader] = (long.Parse(tried.Header(WebhookVerifier.TimestampHeader), System.Globalization.CultureInfo.InvariantCulture) - 600).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("too old", Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(first).Verify(tried.Body, stale)).Message, StringComparison.Ordinal);

        // Rotation: the dispatcher hears of it on the bus; until then it signs with the first secret alone.
        var second = (await client.Webhooks.RotateSigningSecretAsync(webhook.Id)).Value;
        Assert.NotEqual(first, second);
        Hit? rotated = null;
        var deadline = DateTime.UtcNow + Patience;
        while (rotated is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "No delivery signed with both secrets within the patience.");
            var next = TestBus.Event(station: "CP-SIGNED");
            await bus.PublishAsync(next);
            await receiver.WaitUntilAsync(r => r.HitsOf("signed").Any(h => h.EventId == next.EventId), Patience, "a delivery after the rotation");
            var hit = receiver.HitsOf("signed").Single(h => h.EventId == next.EventId);
            if (hit.Header(WebhookVerifier.SignatureHeader).Split(' ').Length == 2) rotated = hit;
        }

        Assert.True((await client.Webhooks.TestAsync(webhook.Id)).Ok);
        var tested = receiver.HitsOf("signed")[^1];
        foreach (var hit in new[] { rotated, tested })
        {
            var entries = hit.Header(WebhookVerifier.SignatureHeader).Split(' ');
            Assert.Equal(2, entries.Length);
            new StandardWebhook(second).Verify(hit.Body, Headers(hit));
            // StandardWebhooks 1.1.2 never reaches the last of several entries, so the old secret's entry is shown to it alone.
            new StandardWebhook(first).Verify(hit.Body, Headers(hit, entries[1]));
            Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(first).Verify(hit.Body, Headers(hit, entries[0])));
            // Our verifier accepts either secret on the full header: receivers can switch at their own pace.
            WebhookVerifier.Verify(first, Headers(hit), Encoding.UTF8.GetBytes(hit.Body));
            WebhookVerifier.Verify(second, Headers(hit), Encoding.UTF8.GetBytes(hit.Body));
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> read) where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (await read() is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the delivery log.");
            await Task.Delay(200);
        }
    }

    private static HeaderDictionary Headers(Hit hit, string? signature = null) => new()
    {
        [WebhookVerifier.IdHeader] = hit.Header(WebhookVerifier.IdHeader),
        [WebhookVerifier.TimestampHeader] = hit.Header(WebhookVerifier.TimestampHeader),
        [WebhookVerifier.SignatureHeader] = signature ?? hit.Header(WebhookVerifier.SignatureHeader),
    };
}
