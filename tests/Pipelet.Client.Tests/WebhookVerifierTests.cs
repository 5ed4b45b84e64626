using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Pipelet.Testing;

namespace Pipelet.Client.Tests;

/// <summary>The subscriber's verifier against the Standard Webhooks test vector, and the three-line receiver over HTTP.</summary>
public sealed class WebhookVerifierTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string Timestamp = "1614265330";
    private const string Signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly byte[] Body = """{"test": 2432232314}"""u8.ToArray();
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1614265330);

    [Fact]
    public void The_spec_test_vector_verifies_within_five_minutes_either_way()
    {
        WebhookVerifier.Verify(Secret, Id, Timestamp, Signature, Body, SignedAt);
        WebhookVerifier.Verify(Secret, Id, Timestamp, Signature, Body, SignedAt.AddMinutes(4));
        WebhookVerifier.Verify(Secret, Id, Timestamp, Signature, Body, SignedAt.AddMinutes(-4));
    }

    [Fact]
    public void Stale_future_tampered_and_foreign_requests_are_refused()
    {
        Assert.Contains("too old", Refused(Secret, Id, Timestamp, Signature, Body, SignedAt.AddMinutes(6)), StringComparison.Ordinal);
        Assert.Contains("future", Refused(Secret, Id, Timestamp, Signature, Body, SignedAt.AddMinutes(-6)), StringComparison.Ordinal);
        Refused(Secret, Id, Timestamp, Signature, """{"test": 2432232315}"""u8.ToArray(), SignedAt);
        Refused(Secret, "msg_other", Timestamp, Signature, Body, SignedAt);
        Refused("whsec_" + Convert.ToBase64String(new byte[24]), Id, Timestamp, Signature, Body, SignedAt);
        Refused(Secret, Id, Timestamp, "", Body, SignedAt);
        Refused(Secret, Id, "soon", Signature, Body, SignedAt);
        Refused(Secret, Id, Timestamp, "v1,not-base64!", Body, SignedAt);
    }

    [Fact]
    public void Any_v1_entry_may_match_and_other_versions_are_skipped()
    {
        var other = "v1," + Convert.ToBase64String(new byte[32]);
        WebhookVerifier.Verify(Secret, Id, Timestamp, $"{other} {Signature}", Body, SignedAt);
        WebhookVerifier.Verify(Secret, Id, Timestamp, $"{Signature} {other}", Body, SignedAt);
        WebhookVerifier.Verify(Secret, Id, Timestamp, $"v1a,{Signature[3..]} {Signature}", Body, SignedAt);
        Refused(Secret, Id, Timestamp, $"v1a,{Signature[3..]} v2,{Signature[3..]}", Body, SignedAt);
    }

    [Fact]
    public async Task A_three_line_receiver_accepts_signed_deliveries_and_answers_401_to_anything_else()
    {
        var received = new List<PipeletWebhook>();
        var secret = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        await using var receiver = await LoopbackServer.StartAsync(app => app.MapPipeletWebhook("/hook", secret, received.Add));
        using var http = new HttpClient { BaseAddress = receiver.Address };
        var body = """{"event":"StartTransaction","station_id":"CP-1","timestamp":"2026-04-14T12:34:56.789Z","payload":{"connectorId":1}}""";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var signed = await http.SendAsync(Request(body, "evt-1", now, Sign(secret, "evt-1", now, body)));
        var tampered = await http.SendAsync(Request(body.Replace("CP-1", "CP-2", StringComparison.Ordinal), "evt-1", now, Sign(secret, "evt-1", now, body)));
        var unsigned = await http.SendAsync(Request(body, "evt-1", now, null));

        Assert.Equal(HttpStatusCode.NoContent, signed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        var webhook = Assert.Single(received);
        Assert.Equal(("evt-1", 2, "StartTransaction", "CP-1", 1), (webhook.Id, webhook.Attempt, webhook.Event, webhook.StationId, webhook.Payload.GetProperty("connectorId").GetInt32()));
    }

    private static string Refused(string secret, string id, string timestamp, string signature, byte[] body, DateTimeOffset now) =>
        Assert.Throws<InvalidWebhookSignatureException>(() => WebhookVerifier.Verify(secret, id, timestamp, signature, body, now)).Message;

    private static string Sign(string secret, string id, string timestamp, string body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        return "v1," + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }

    private static HttpRequestMessage Request(string body, string id, string timestamp, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "hook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookVerifier.IdHeader, id);
        request.Headers.Add(WebhookVerifier.TimestampHeader, timestamp);
        request.Headers.Add("webhook-attempt", "2");
        if (signature is not null) request.Headers.Add(WebhookVerifier.SignatureHeader, signature);
        return request;
    }
}
