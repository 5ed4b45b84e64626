using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Testing;

namespace Pipelet.Webhooks.Tests;

/// <summary>The sender against a real local receiver: headers, the SSRF rule at connect time, and how each failure is classified.</summary>
public sealed class WebhookSenderTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Path, IHeaderDictionary Headers)> _hits = new();
    private LoopbackServer _receiver = null!;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        _receiver = await LoopbackServer.StartAsync(app =>
        {
            app.Use(async (http, next) =>
            {
                // Kestrel reuses its header collection after the request: keep a copy.
                _hits.Enqueue((http.Request.Path, new HeaderDictionary(http.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase))));
                await next(http);
            });
            app.MapPost("/ok", () => Results.Text(new string('x', 5000)));
            app.MapPost("/redirect", () => Results.Redirect("/ok"));
            app.MapPost("/slow", async () => { await Task.Delay(3000); return Results.Ok(); });
            app.MapPost("/fail", () => Results.Text("nope", statusCode: 500));
            app.MapPost("/later/{status:int}/{retryAfter}", (HttpContext http, int status, string retryAfter) =>
            {
                http.Response.Headers.RetryAfter = Uri.UnescapeDataString(retryAfter);
                return Results.StatusCode(status);
            });
        });
        _base = _receiver.Address;
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    /// <param name="timeout">The product's 10 s unless a test is about timeouts: a cold first request on a busy CI machine can take over a second.</param>
    private static WebhookSender Sender(bool allowPrivateNetworks, out IHost host, string timeout = "00:00:10")
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Delivery:AllowPrivateNetworks"] = allowPrivateNetworks ? "true" : "false",
            ["Delivery:Timeout"] = timeout,
        });
        builder.AddWebhookSending();
        host = builder.Build();
        return host.Services.GetRequiredService<WebhookSender>();
    }

    private static WebhookSubscription To(Uri url, WebhookSecretHeader? secretHeader = null) =>
        new(1, new WebhookSettings("test", url, true, ["*"], null, secretHeader), new WebhookSigningSecrets(WebhookSignature.NewSecret()), DateTimeOffset.UtcNow);

    private static StationEvent Event() =>
        new(Guid.CreateVersion7(), "Heartbeat", "CP-1", DateTimeOffset.UtcNow, JsonDocument.Parse("{}").RootElement);

    [Fact]
    public async Task Sends_the_secret_header_the_event_id_the_attempt_and_a_pipelet_user_agent()
    {
        var sender = Sender(allowPrivateNetworks: true, out var host);
        using var _ = host;
        var stationEvent = Event();

        var result = await sender.SendAsync(To(new Uri(_base, "ok"), new WebhookSecretHeader("X-Webhook-Secret", new Secret("s3cret"))), stationEvent, 3, CancellationToken.None);

        Assert.True(result.Succeeded, $"{result.ErrorKind}: {result.Error}");
        Assert.Equal(200, result.StatusCode);
        Assert.Equal(1024, result.ResponseBody!.Length); // the first kilobyte only
        var headers = _hits.Single(h => h.Path == "/ok").Headers;
        Assert.Equal("s3cret", headers["X-Webhook-Secret"]);
        Assert.Equal(stationEvent.EventId.ToString(), headers[WebhookHeaders.Id]);
        Assert.Equal("3", headers[WebhookHeaders.Attempt]);
        Assert.StartsWith("Pipelet", headers.UserAgent.ToString());
        Assert.StartsWith("application/json", headers.ContentType.ToString());
    }

    [Fact]
    public async Task Refuses_loopback_when_private_networks_are_not_allowed_without_connecting()
    {
        var sender = Sender(allowPrivateNetworks: false, out var host);
        using var _ = host;

        var byAddress = await sender.SendAsync(To(new Uri(_base, "ok")), Event(), 1, CancellationToken.None);
        var byName = await sender.SendAsync(To(new Uri($"http://localhost:{_base.Port}/ok")), Event(), 1, CancellationToken.None);

        Assert.Equal(AttemptErrorKind.AddressRefused, byAddress.ErrorKind);
        Assert.Equal(AttemptErrorKind.AddressRefused, byName.ErrorKind);
        Assert.False(byAddress.Succeeded);
        Assert.Empty(_hits);
    }

    [Theory]
    [InlineData("::127.0.0.1")]        // IPv4-compatible
    [InlineData("::ffff:0:127.0.0.1")] // IPv4-translated
    [InlineData("2002:7f00:1::1")]     // 6to4
    [InlineData("64:ff9b::127.0.0.1")] // NAT64
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe")] // Teredo
    public async Task Refuses_an_IPv6_form_of_loopback_at_connect_time(string address)
    {
        var sender = Sender(allowPrivateNetworks: false, out var host);
        using var _ = host;

        var result = await sender.SendAsync(To(new Uri($"http://[{address}]:{_base.Port}/ok")), Event(), 1, CancellationToken.None);

        Assert.True(result.ErrorKind == AttemptErrorKind.AddressRefused, $"{result.ErrorKind}: {result.Error}");
        Assert.Empty(_hits);
    }

    [Fact]
    public async Task Redirects_are_failures_and_are_not_followed()
    {
        var sender = Sender(allowPrivateNetworks: true, out var host);
        using var _ = host;

        var result = await sender.SendAsync(To(new Uri(_base, "redirect")), Event(), 1, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(AttemptErrorKind.HttpStatus, result.ErrorKind);
        Assert.Equal(302, result.StatusCode);
        Assert.DoesNotContain(_hits, h => h.Path == "/ok");
    }

    [Fact]
    public async Task Timeouts_refusals_and_non_2xx_are_told_apart()
    {
        var sender = Sender(allowPrivateNetworks: true, out var host, timeout: "00:00:01"); // /slow answers after 3 s
        using var _ = host;
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var slow = await sender.SendAsync(To(new Uri(_base, "slow")), Event(), 1, CancellationToken.None);
        var refused = await sender.SendAsync(To(new Uri($"http://127.0.0.1:{closedPort}/")), Event(), 1, CancellationToken.None);
        var failed = await sender.SendAsync(To(new Uri(_base, "fail")), Event(), 1, CancellationToken.None);

        Assert.Equal(AttemptErrorKind.Timeout, slow.ErrorKind);
        Assert.Equal(AttemptErrorKind.ConnectionRefused, refused.ErrorKind);
        Assert.Equal((AttemptErrorKind.HttpStatus, 500, "nope"), (failed.ErrorKind, failed.StatusCode, failed.ResponseBody));
    }

    [Fact]
    public async Task Retry_after_of_a_429_or_503_is_read_as_seconds_or_an_http_date_and_ignored_on_other_answers()
    {
        var sender = Sender(allowPrivateNetworks: true, out var host);
        using var _ = host;
        async Task<AttemptResult> Send(int status, string retryAfter) =>
            await sender.SendAsync(To(new Uri(_base, $"later/{status}/{Uri.EscapeDataString(retryAfter)}")), Event(), 1, CancellationToken.None);

        var before = DateTimeOffset.UtcNow;
        var seconds = await Send(429, "120");
        Assert.False(seconds.Succeeded);
        Assert.Equal(429, seconds.StatusCode);
        Assert.InRange(seconds.RetryAfter!.Value, before.AddSeconds(119), DateTimeOffset.UtcNow.AddSeconds(121));

        var date = DateTimeOffset.UtcNow.AddHours(2);
        var dated = await Send(503, date.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(date.ToUnixTimeSeconds(), dated.RetryAfter!.Value.ToUnixTimeSeconds());

        Assert.Null((await Send(500, "120")).RetryAfter);
        Assert.Null((await Send(429, "soon")).RetryAfter);
        Assert.Null((await Send(503, DateTimeOffset.UtcNow.AddHours(-1).ToString("R", System.Globalization.CultureInfo.InvariantCulture))).RetryAfter);
    }
}
