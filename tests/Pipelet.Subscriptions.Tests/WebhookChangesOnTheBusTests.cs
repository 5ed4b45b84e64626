using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pipelet.Client;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Subscriptions.Tests;

/// <summary>Every committed change reaches the bus (through the outbox), as the dispatcher will see it.</summary>
public sealed class WebhookChangesOnTheBusTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>, IAsyncLifetime
{
    private readonly PipeletClient _client = fixture.App.Client();
    private BusListener _bus = null!;

    public async Task InitializeAsync() =>
        _bus = await BusListener.StartAsync(fixture.RabbitMqConnectionString, BusListener.Keep<WebhookUpserted>(), BusListener.Keep<WebhookDeleted>());

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task Create_update_and_delete_are_published_with_the_current_state()
    {
        var id = await _client.CreateWebhookAsync();
        var created = await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == id);
        Assert.Equal(new Uri("https://my-app.example.com/webhooks/ocpp"), created.Webhook.Settings.Url);
        Assert.Equal(new WebhookSecretHeader("X-Webhook-Secret", new Secret("my-secret-value-here")), created.Webhook.Settings.SecretHeader);
        Assert.StartsWith("whsec_", created.Webhook.Signing!.Current.Value, StringComparison.Ordinal);
        Assert.Equal(["StartTransaction", "StopTransaction"], created.Webhook.Settings.Events);

        await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(Enabled: false, Stations: ["WALLBOX_001"]));
        var updated = await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == id && !m.Webhook.Settings.Enabled);
        Assert.Equal(["WALLBOX_001"], updated.Webhook.Settings.Stations);

        await _client.Webhooks.DeleteAsync(id);
        await _bus.NextAsync<WebhookDeleted>(m => m.WebhookId == id);
    }

    [Fact]
    public async Task A_change_committed_but_not_yet_published_is_published_later()
    {
        var id = await _client.CreateWebhookAsync();
        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == id);

        // What a crash right after the commit leaves behind: the outbox row, no message. The publisher's poll finds it.
        var dataSource = fixture.App.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("INSERT INTO webhook_outbox (webhook_id) VALUES ($1)");
        command.Parameters.Add(new() { Value = id });
        await command.ExecuteNonQueryAsync();

        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == id);
    }
}
