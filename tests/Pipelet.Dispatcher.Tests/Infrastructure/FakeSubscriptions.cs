using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipelet.Contracts.Subscriptions;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.Testing;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// Stands in for the subscription service's internal port: the webhook list the dispatcher reads at
/// start (<c>GET /internal/v1/webhooks</c>), the disabling of a failing webhook (<c>POST /internal/v1/webhooks/{id}/disable-failing</c>)
/// and the API-key check (<c>POST /internal/v1/api-keys/verify</c>).
/// </summary>
public sealed class FakeSubscriptions : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key";
    public const string ReadOnlyKey = "test-read-key";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static long _nextId = Random.Shared.Next(1_000, 1_000_000) * 1000L;

    private readonly ConcurrentDictionary<long, WebhookSubscription> _webhooks = new();
    private LoopbackServer _server = null!;

    public Uri BaseUri => _server.Address;

    public static long NextWebhookId() => Interlocked.Increment(ref _nextId);

    public void Put(WebhookSubscription webhook) => _webhooks[webhook.WebhookId] = webhook;

    /// <summary>
    /// Lists a new enabled webhook <paramref name="name"/> at <paramref name="url"/> (every event unless
    /// <paramref name="events"/> says otherwise), with secret header <c>X-Webhook-Secret: secret-of-{name}</c>.
    /// </summary>
    public WebhookSubscription Subscribe(string name, Uri url, IReadOnlyList<string>? stations = null, IReadOnlyList<string>? events = null)
    {
        var webhook = NewWebhook(name, url, stations, events);
        Put(webhook);
        return webhook;
    }

    /// <summary>A new enabled webhook with a fresh id and signing secret and the secret header <c>X-Webhook-Secret: secret-of-{name}</c>.</summary>
    public static WebhookSubscription NewWebhook(string name, Uri url, IReadOnlyList<string>? stations = null, IReadOnlyList<string>? events = null) =>
        new(NextWebhookId(),
            new WebhookSettings(name, url, true, events ?? ["*"], stations, new WebhookSecretHeader("X-Webhook-Secret", new Secret($"secret-of-{name}"))),
            new WebhookSigningSecrets(WebhookSignature.NewSecret()),
            DateTimeOffset.UtcNow);

    /// <summary>The webhook disabled, as a change made now.</summary>
    public static WebhookSubscription Disabled(WebhookSubscription webhook) =>
        webhook with { Settings = webhook.Settings with { Enabled = false }, UpdatedAt = DateTimeOffset.UtcNow };

    public void Remove(long webhookId) => _webhooks.TryRemove(webhookId, out _);

    /// <summary>Every <c>disable-failing</c> request the dispatcher made, in order: (webhook id, request, whether it disabled).</summary>
    public ConcurrentQueue<(long WebhookId, DisableFailingWebhookRequest Request, bool Disabled)> DisableRequests { get; } = new();

    /// <summary>As the subscription service does: disables the webhook if still enabled (the caller then publishes the change).</summary>
    private DisableFailingWebhookResult DisableFailing(long webhookId, DisableFailingWebhookRequest request)
    {
        var disabled = false;
        if (_webhooks.TryGetValue(webhookId, out var webhook) && webhook.Settings.Enabled)
        {
            disabled = _webhooks.TryUpdate(webhookId, Disabled(webhook), webhook);
        }

        DisableRequests.Enqueue((webhookId, request, disabled));
        return new DisableFailingWebhookResult(disabled);
    }

    public static async Task<FakeSubscriptions> StartAsync()
    {
        var self = new FakeSubscriptions();
        self._server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/internal/v1/webhooks", (HttpRequest request) => InternalApiKeys.Carries(request, InternalApiKeys.Dispatcher)
                ? Results.Json(self._webhooks.Values.ToArray(), Json)
                : Results.Unauthorized());
            app.MapPost("/internal/v1/webhooks/{id:long}/disable-failing", async (long id, HttpRequest request) =>
            {
                if (!InternalApiKeys.Carries(request, InternalApiKeys.Dispatcher)) return Results.Unauthorized();
                var body = await request.ReadFromJsonAsync<DisableFailingWebhookRequest>(Json);
                return Results.Json(self.DisableFailing(id, body!), Json);
            });
            app.MapApiKeyCheck(new Dictionary<string, ApiKeyIdentity>
            {
                [AdminKey] = new("1", "admin", ApiScopes.All),
                [ReadOnlyKey] = new("2", "reader", [ApiScopes.DeliveriesRead]),
            });
        });
        return self;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
