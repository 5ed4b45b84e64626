extern alias subscriptions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pipelet.Client;
using subscriptions::Pipelet.Subscriptions.Webhooks;

namespace Pipelet.Subscriptions.Tests;

/// <summary><c>/api/v1/webhooks/{id}/signing-secret</c> through our own client: read, rotate, scope, storage, backfill.</summary>
public sealed class SigningSecretsApiTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    private readonly PipeletClient _client = PipeletClient.Create(fixture.App.PublicAddress, SubscriptionsApp.BootstrapKey);

    private Task<Client.Webhook> CreateAsync() =>
        _client.Webhooks.CreateAsync(new CreateWebhook("signed", "https://my-app.example.com/webhooks/ocpp", ["StartTransaction"]));

    [Fact]
    public async Task Every_new_webhook_has_a_whsec_secret_of_32_random_bytes_and_rotation_replaces_it()
    {
        var webhook = await CreateAsync();
        var other = await CreateAsync();

        var secret = (await _client.Webhooks.GetSigningSecretAsync(webhook.Id)).Value;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.NotEqual(secret, (await _client.Webhooks.GetSigningSecretAsync(other.Id)).Value);

        var rotated = (await _client.Webhooks.RotateSigningSecretAsync(webhook.Id)).Value;
        Assert.StartsWith("whsec_", rotated, StringComparison.Ordinal);
        Assert.NotEqual(secret, rotated);
        Assert.Equal(rotated, (await _client.Webhooks.GetSigningSecretAsync(webhook.Id)).Value);

        var store = fixture.App.Services.GetRequiredService<WebhookStore>();
        var signing = (await store.GetAsync(webhook.Id, CancellationToken.None))!.Signing!;
        Assert.Equal((rotated, secret), (signing.Current.Value, signing.Previous!.Value));
        Assert.NotNull(signing.RotatedAt);
        Assert.DoesNotContain(fixture.App.LogLines, line => line.Contains(secret, StringComparison.Ordinal) || line.Contains(rotated, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_secret_is_a_credential_unknown_webhooks_are_404_and_read_only_keys_get_403()
    {
        var webhook = await CreateAsync();
        var readOnly = await _client.ApiKeys.CreateAsync(new CreateApiKey("reader", ["webhooks:read"]));
        var reader = PipeletClient.Create(fixture.App.PublicAddress, readOnly.Key);

        Assert.Equal(webhook.Id, (await reader.Webhooks.GetAsync(webhook.Id)).Id);
        var forbidden = await Assert.ThrowsAsync<PipeletApiException>(() => reader.Webhooks.GetSigningSecretAsync(webhook.Id));
        Assert.Equal(403, forbidden.Status);
        Assert.Equal(403, (await Assert.ThrowsAsync<PipeletApiException>(() => reader.Webhooks.RotateSigningSecretAsync(webhook.Id))).Status);

        var missing = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Webhooks.GetSigningSecretAsync(long.MaxValue));
        Assert.Equal((404, "Webhook not found"), (missing.Status, missing.Title));
        Assert.Equal(404, (await Assert.ThrowsAsync<PipeletApiException>(() => _client.Webhooks.RotateSigningSecretAsync(long.MaxValue))).Status);
    }

    [Fact]
    public async Task Signing_secrets_are_stored_encrypted()
    {
        var webhook = await CreateAsync();
        await _client.Webhooks.RotateSigningSecretAsync(webhook.Id);
        var secret = (await _client.Webhooks.GetSigningSecretAsync(webhook.Id)).Value;

        var dataSource = fixture.App.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("SELECT signing_secret, previous_signing_secret FROM webhooks WHERE id = $1");
        command.Parameters.Add(new() { Value = webhook.Id });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        foreach (var column in new[] { 0, 1 })
        {
            var stored = reader.GetFieldValue<byte[]>(column);
            Assert.DoesNotContain("whsec_", System.Text.Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
            Assert.True(stored.AsSpan().IndexOf(Convert.FromBase64String(secret["whsec_".Length..])) < 0, "the key bytes are stored in clear");
        }
    }

    [Fact]
    public async Task A_webhook_stored_before_signing_existed_gets_a_secret_at_start()
    {
        var webhook = await CreateAsync();
        var dataSource = fixture.App.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var clear = dataSource.CreateCommand("UPDATE webhooks SET signing_secret = NULL WHERE id = $1"))
        {
            clear.Parameters.Add(new() { Value = webhook.Id });
            await clear.ExecuteNonQueryAsync();
        }

        Assert.Equal(404, (await Assert.ThrowsAsync<PipeletApiException>(() => _client.Webhooks.GetSigningSecretAsync(webhook.Id))).Status);

        // What the start-up step runs before the service takes requests.
        var rotation = ActivatorUtilities.CreateInstance<WebhookSecretRotation>(fixture.App.Services);
        await rotation.StartAsync(CancellationToken.None);

        Assert.StartsWith("whsec_", (await _client.Webhooks.GetSigningSecretAsync(webhook.Id)).Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Problems_reach_the_client_as_one_typed_exception_with_the_field_errors()
    {
        var problem = await Assert.ThrowsAsync<PipeletApiException>(() =>
            _client.Webhooks.CreateAsync(new CreateWebhook("", "ftp://nope", ["NoSuchEvent"])));

        Assert.Equal(400, problem.Status);
        Assert.Contains("name", problem.Errors.Keys);
        Assert.Contains("url", problem.Errors.Keys);
        Assert.Contains("events", problem.Errors.Keys);
    }

    [Fact]
    public async Task Paging_streams_every_webhook_across_pages()
    {
        var created = new List<long>();
        for (var i = 0; i < 3; i++) created.Add((await CreateAsync()).Id);

        var listed = new List<long>();
        await foreach (var webhook in _client.Webhooks.ListAllAsync(pageSize: 2)) listed.Add(webhook.Id);

        Assert.Subset(listed.ToHashSet(), created.ToHashSet());
        Assert.Equal(listed.Order().ToList(), listed);
    }
}
