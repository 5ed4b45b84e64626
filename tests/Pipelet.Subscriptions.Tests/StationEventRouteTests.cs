extern alias subscriptions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pipelet.Client;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using StationEventRoute = subscriptions::Pipelet.Subscriptions.Webhooks.StationEventRoute;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// The gateway's station events reach MassTransit's exchange (the dispatcher's queues) exactly while some webhook is
/// enabled: the subscription service binds the route before the dispatcher hears of a webhook, and removes it with the
/// last enabled one. Asked of the broker itself (<see cref="RouteProbe"/>).
/// </summary>
public sealed class StationEventRouteTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>, IAsyncLifetime
{
    private readonly PipeletClient _client = fixture.App.Client();
    private BusListener _bus = null!;
    private RouteProbe _route = null!;

    public async Task InitializeAsync()
    {
        _bus = await BusListener.StartAsync(fixture.RabbitMqConnectionString, BusListener.Keep<WebhookUpserted>(), BusListener.Keep<WebhookDeleted>());
        _route = await RouteProbe.StartAsync(fixture.RabbitMqConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _route.DisposeAsync();
        await _bus.DisposeAsync();
    }

    [Fact]
    public async Task The_route_is_bound_before_the_bus_hears_of_an_enabled_webhook_and_unbound_with_the_last_one()
    {
        await DeleteAllWebhooksAsync();
        await _route.WaitUntilAsync(bound: false);

        var first = await _client.CreateWebhookAsync();
        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == first);
        Assert.True(await _route.IsBoundAsync(), "The dispatcher heard of an enabled webhook before its events were routed to it.");
        var second = await _client.CreateWebhookAsync();
        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == second);

        // One of two disabled: still wanted.
        await _client.Webhooks.UpdateAsync(first, new UpdateWebhook(Enabled: false));
        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == first && !m.Webhook.Settings.Enabled);
        Assert.True(await _route.IsBoundAsync());

        // The last enabled one deleted: unbound before the bus hears of it.
        await _client.Webhooks.DeleteAsync(second);
        await _bus.NextAsync<WebhookDeleted>(m => m.WebhookId == second);
        Assert.False(await _route.IsBoundAsync());

        // Enabled again: bound again.
        await _client.Webhooks.UpdateAsync(first, new UpdateWebhook(Enabled: true));
        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == first && m.Webhook.Settings.Enabled);
        Assert.True(await _route.IsBoundAsync());

        // Disabled, the last one: unbound.
        await _client.Webhooks.UpdateAsync(first, new UpdateWebhook(Enabled: false));
        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == first && !m.Webhook.Settings.Enabled);
        Assert.False(await _route.IsBoundAsync());
    }

    [Fact]
    public async Task The_api_answers_a_change_once_the_route_follows_it()
    {
        await DeleteAllWebhooksAsync();
        await _route.WaitUntilAsync(bound: false);

        // No waiting after the answers: an event a station sends right after them must already find its way, or not.
        var webhook = await _client.CreateWebhookAsync();
        Assert.True(await _route.IsBoundAsync(), "Created and answered, but events were not routed yet.");
        await _client.Webhooks.UpdateAsync(webhook, new UpdateWebhook(Enabled: false));
        Assert.False(await _route.IsBoundAsync(), "Disabled and answered, but events were still routed.");
        await _client.Webhooks.UpdateAsync(webhook, new UpdateWebhook(Enabled: true));
        Assert.True(await _route.IsBoundAsync(), "Enabled and answered, but events were not routed yet.");
        await _client.Webhooks.DeleteAsync(webhook);
        Assert.False(await _route.IsBoundAsync(), "Deleted and answered, but events were still routed.");
    }

    [Fact]
    public async Task Syncs_of_two_instances_racing_a_change_end_in_the_state_the_database_says()
    {
        var id = await _client.CreateWebhookAsync();
        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == id);
        var services = fixture.App.Services;
        var one = ActivatorUtilities.CreateInstance<StationEventRoute>(services);
        var other = ActivatorUtilities.CreateInstance<StationEventRoute>(services);
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();

        // Each round flips whether any webhook is enabled (straight in the table: the service's own publisher stays out
        // of it) while both instances sync, then both sync again after the flip: the later syncs must win.
        var enabled = true;
        for (var round = 0; round < 10; round++)
        {
            enabled = !enabled;
            var flip = SetAllEnabledAsync(dataSource, enabled);
            var during = Task.WhenAll(one.SyncAsync(CancellationToken.None), other.SyncAsync(CancellationToken.None));
            await flip;
            var after = Task.WhenAll(one.SyncAsync(CancellationToken.None), other.SyncAsync(CancellationToken.None));
            await Task.WhenAll(during, after);
            Assert.Equal(enabled, await _route.IsBoundAsync());
        }
    }

    [Fact]
    public async Task A_sync_waits_for_one_in_progress_and_applies_the_state_committed_meanwhile()
    {
        var id = await _client.CreateWebhookAsync();
        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == id);
        var services = fixture.App.Services;
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();

        // Another instance mid-sync: it holds the route's lock and has read that a webhook is enabled.
        await using var inProgress = await dataSource.OpenConnectionAsync();
        await using var itsTransaction = await inProgress.BeginTransactionAsync();
        await using (var takeLock = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({StationEventRoute.LockId})", inProgress, itsTransaction))
        {
            await takeLock.ExecuteNonQueryAsync();
        }

        var waiting = ActivatorUtilities.CreateInstance<StationEventRoute>(services).SyncAsync(CancellationToken.None);
        await SetAllEnabledAsync(dataSource, false); // committed while the other instance is still at it
        await Pipelet.Testing.StationEventRouting.BindAsync(fixture.RabbitMqConnectionString); // it applies what it read
        await itsTransaction.CommitAsync();

        Assert.False(await waiting);
        Assert.False(await _route.IsBoundAsync());
    }

    private async Task DeleteAllWebhooksAsync()
    {
        var dataSource = fixture.App.Services.GetRequiredService<NpgsqlDataSource>();
        await using var list = dataSource.CreateCommand("SELECT id FROM webhooks");
        var ids = new List<long>();
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
        }

        foreach (var id in ids) await _client.Webhooks.DeleteAsync(id);
    }

    private static async Task SetAllEnabledAsync(NpgsqlDataSource dataSource, bool enabled)
    {
        await using var command = dataSource.CreateCommand("UPDATE webhooks SET enabled = $1");
        command.Parameters.Add(new() { Value = enabled });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Asks the broker whether the route is bound: a queue behind MassTransit's exchange (as the dispatcher's), and a
    /// mandatory publish to the gateway's exchange. No gateway runs here, so its alternate exchange is not declared:
    /// a probe the route does not carry is returned, one it carries is confirmed.
    /// </summary>
    private sealed class RouteProbe : IAsyncDisposable
    {
        private readonly IConnection _connection;
        private readonly IChannel _channel;

        private RouteProbe(IConnection connection, IChannel channel)
        {
            _connection = connection;
            _channel = channel;
        }

        public static async Task<RouteProbe> StartAsync(string rabbitMq)
        {
            var connection = await new ConnectionFactory { Uri = new Uri(rabbitMq) }.CreateConnectionAsync();
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            await Pipelet.Testing.StationEventRouting.DeclareGatewayExchangeAsync(channel);
            await channel.ExchangeDeclareAsync(StationEventExchanges.MessageType, ExchangeType.Fanout, durable: true, autoDelete: false);
            // Holds one probe at most: it only has to exist.
            var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true,
                new Dictionary<string, object?> { ["x-max-length"] = 1 });
            await channel.QueueBindAsync(queue.QueueName, StationEventExchanges.MessageType, "");
            return new RouteProbe(connection, channel);
        }

        public async Task<bool> IsBoundAsync()
        {
            try
            {
                await _channel.BasicPublishAsync(StationEventExchanges.Gateway, "", mandatory: true, new BasicProperties(), "probe"u8.ToArray());
                return true;
            }
            catch (PublishReturnException)
            {
                return false;
            }
        }

        /// <summary>For the sync the service runs at start (it may still be on its way).</summary>
        public async Task WaitUntilAsync(bool bound)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (await IsBoundAsync() != bound)
            {
                Assert.True(DateTime.UtcNow < deadline, $"The route did not become {(bound ? "bound" : "unbound")} within 30 s.");
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _channel.CloseAsync();
            await _connection.CloseAsync();
            _channel.Dispose();
            _connection.Dispose();
        }
    }
}
