using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Pipelet.Contracts.Subscriptions;
using Pipelet.ServiceDefaults.ApiKeys;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// Stands in for the subscription service's internal port: the webhook list the dispatcher reads at
/// start (<c>GET /internal/v1/webhooks</c>) and the API-key check (<c>POST /internal/v1/api-keys/verify</c>).
/// </summary>
public sealed class FakeSubscriptions : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key";
    public const string ReadOnlyKey = "test-read-key";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static long _nextId = Random.Shared.Next(1_000, 1_000_000) * 1000L;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<long, WebhookSubscription> _webhooks = new();

    private FakeSubscriptions(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    public static long NextWebhookId() => Interlocked.Increment(ref _nextId);

    public void Put(WebhookSubscription webhook) => _webhooks[webhook.WebhookId] = webhook;

    public void Remove(long webhookId) => _webhooks.TryRemove(webhookId, out _);

    public static async Task<FakeSubscriptions> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var self = new FakeSubscriptions(app);
        app.MapGet("/internal/v1/webhooks", () => Results.Json(self._webhooks.Values.ToArray(), Json));
        app.MapPost("/internal/v1/api-keys/verify", async (HttpContext http) =>
        {
            var request = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
            var key = request.GetProperty("key").GetString();
            return key switch
            {
                AdminKey => Results.Json(new ApiKeyIdentity("1", "admin", ApiScopes.All), Json),
                ReadOnlyKey => Results.Json(new ApiKeyIdentity("2", "reader", [ApiScopes.DeliveriesRead]), Json),
                _ => Results.NotFound(),
            };
        });
        await app.StartAsync();
        self.BaseUri = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
