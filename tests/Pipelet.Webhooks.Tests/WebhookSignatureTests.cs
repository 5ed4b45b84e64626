using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Testing;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Pipelet.Webhooks.Tests;

/// <summary>
/// Our signatures against independent implementations: the Standard Webhooks test vector, and the
/// reference C# library (StandardWebhooks 1.1.2) verifying what the sender really put on the wire.
/// </summary>
public sealed class WebhookSignatureTests : IAsyncLifetime
{
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly ConcurrentQueue<(IHeaderDictionary Headers, string Body)> _received = new();
    private LoopbackServer _receiver = null!;

    public async Task InitializeAsync() =>
        _receiver = await LoopbackServer.StartAsync(app => app.MapPost("/hook", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            _received.Enqueue((new HeaderDictionary(http.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase)), body));
            return Results.Ok();
        }));

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public void The_spec_test_vector_signs_to_the_published_signature()
    {
        var signature = WebhookSignature.Sign([new Secret(VectorSecret)], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}"""u8);

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void New_secrets_are_whsec_and_base64_of_32_random_bytes()
    {
        var first = WebhookSignature.NewSecret().Value;
        var second = WebhookSignature.NewSecret().Value;

        Assert.StartsWith("whsec_", first, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(first["whsec_".Length..]).Length);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task The_reference_library_verifies_every_request_and_rejects_a_tampered_body_or_a_stale_timestamp()
    {
        using var host = Sender(out var sender);
        var secret = WebhookSignature.NewSecret();

        var result = await sender.SendAsync(Webhook(new WebhookSigningSecrets(secret)), Event(), 1, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        var (headers, body) = Assert.Single(_received);
        var verifier = new StandardWebhook(secret.Value);
        verifier.Verify(body, headers);
        Assert.Throws<WebhookVerificationException>(() => verifier.Verify(body.Replace("CP-1", "CP-2", StringComparison.Ordinal), headers));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(WebhookSignature.NewSecret().Value).Verify(body, headers));

        // Signed correctly, but ten minutes ago: outside the five-minute tolerance.
        var stale = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        var staleHeaders = new HeaderDictionary
        {
            [WebhookHeaders.Id] = headers[WebhookHeaders.Id],
            [WebhookHeaders.Timestamp] = stale.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [WebhookHeaders.Signature] = WebhookSignature.Sign([secret], headers[WebhookHeaders.Id].ToString(), stale, Encoding.UTF8.GetBytes(body)),
        };
        Assert.Throws<WebhookVerificationException>(() => verifier.Verify(body, staleHeaders));
    }

    [Fact]
    public async Task After_a_rotation_requests_carry_signatures_with_both_secrets_until_the_overlap_ends()
    {
        using var host = Sender(out var sender);
        var (current, previous) = (WebhookSignature.NewSecret(), WebhookSignature.NewSecret());

        await sender.SendAsync(Webhook(new WebhookSigningSecrets(current, previous, DateTimeOffset.UtcNow.AddHours(-1))), Event(), 1, CancellationToken.None);
        await sender.SendAsync(Webhook(new WebhookSigningSecrets(current, previous, DateTimeOffset.UtcNow.AddHours(-25))), Event(), 1, CancellationToken.None);

        var received = _received.ToArray();
        Assert.Equal(2, received.Length);
        var (during, after) = (received[0], received[1]);
        var entries = during.Headers[WebhookHeaders.Signature].ToString().Split(' ');
        Assert.Equal(2, entries.Length);
        new StandardWebhook(current.Value).Verify(during.Body, during.Headers);
        // StandardWebhooks 1.1.2 stops before the last of several entries (its loop ends when no space follows),
        // so each entry is shown to the library alone: the second is the previous secret's valid signature.
        new StandardWebhook(current.Value).Verify(during.Body, WithSignature(during.Headers, entries[0]));
        new StandardWebhook(previous.Value).Verify(during.Body, WithSignature(during.Headers, entries[1]));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(previous.Value).Verify(during.Body, WithSignature(during.Headers, entries[0])));

        Assert.Single(after.Headers[WebhookHeaders.Signature].ToString().Split(' '));
        new StandardWebhook(current.Value).Verify(after.Body, after.Headers);
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(previous.Value).Verify(after.Body, after.Headers));
    }

    private static HeaderDictionary WithSignature(IHeaderDictionary headers, string signature) => new()
    {
        [WebhookHeaders.Id] = headers[WebhookHeaders.Id],
        [WebhookHeaders.Timestamp] = headers[WebhookHeaders.Timestamp],
        [WebhookHeaders.Signature] = signature,
    };

    private WebhookSubscription Webhook(WebhookSigningSecrets signing) =>
        new(1, new WebhookSettings("signed", new Uri(_receiver.Address, "hook"), true, ["*"], null, null), signing, DateTimeOffset.UtcNow);

    private static StationEvent Event() =>
        new(Guid.CreateVersion7(), "Heartbeat", "CP-1", DateTimeOffset.UtcNow, JsonDocument.Parse("""{"x":"é"}""").RootElement);

    private static IHost Sender(out WebhookSender sender)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Delivery:AllowPrivateNetworks"] = "true" });
        builder.AddWebhookSending();
        var host = builder.Build();
        sender = host.Services.GetRequiredService<WebhookSender>();
        return host;
    }
}
