using System.Security.Cryptography;
using Pipelet.Testing;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// Rotating <c>Webhooks__EncryptionKey</c> against a real database: a start with the retired key among
/// <c>Webhooks__PreviousEncryptionKeys</c> re-seals every secret, after which the retired key can go.
/// </summary>
[Collection(nameof(FailedStartCollection))]
public sealed class SecretRotationTests : IAsyncLifetime
{
    private readonly RealInfrastructure _infrastructure = new();
    private StandInServer _gateway = null!;
    private StandInServer _dispatcher = null!;

    public async Task InitializeAsync()
    {
        await _infrastructure.InitializeAsync();
        _gateway = await StandInServer.StartAsync("gateway");
        _dispatcher = await StandInServer.StartAsync("dispatcher");
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _dispatcher.DisposeAsync();
        await _infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task A_start_with_the_retired_key_listed_reseals_every_secret_and_then_the_retired_key_can_be_dropped()
    {
        var retired = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var current = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        long id;
        await using (var before = Start(retired))
        {
            id = await before.Client().CreateWebhookAsync();
        }

        // The new key alone cannot open it: the service refuses to start and says which webhook and what to set.
        var refused = Assert.Throws<InvalidOperationException>(() => Start(current));
        Assert.Contains($"webhook(s) {id} open with no configured key", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Webhooks__PreviousEncryptionKeys__N", refused.Message, StringComparison.Ordinal);

        await using (var rotating = Start(current, previous: retired))
        {
            // Its secret header's value and its signing secret.
            Assert.Contains(rotating.LogLines, line => line.Contains("Re-sealed 2 webhook secret(s)", StringComparison.Ordinal));
            Assert.Equal("my-secret-value-here", await SecretOfAsync(rotating, id));
        }

        await using (var after = Start(current))
        {
            Assert.Equal("my-secret-value-here", await SecretOfAsync(after, id));
            Assert.DoesNotContain(after.LogLines, line => line.Contains("Re-sealed", StringComparison.Ordinal) || line.StartsWith("Error", StringComparison.Ordinal));
        }
    }

    private SubscriptionsApp Start(string key, string? previous = null)
    {
        var settings = new Dictionary<string, string?> { ["Webhooks:EncryptionKey"] = key };
        if (previous is not null) settings["Webhooks:PreviousEncryptionKeys:0"] = previous;
        var app = new SubscriptionsApp(_infrastructure, _gateway, _dispatcher, settings);
        try
        {
            app.StartServer();
            return app;
        }
        catch
        {
            app.Dispose();
            throw;
        }
    }

    /// <summary>The secret as the dispatcher reads it at start (decrypted, internal port).</summary>
    private static async Task<string?> SecretOfAsync(SubscriptionsApp app, long id)
    {
        using var internalApi = app.Internal();
        var all = await (await internalApi.GetAsync("/internal/v1/webhooks")).ReadJsonAsync();
        return all.EnumerateArray().Single(w => w.GetProperty("webhook_id").GetInt64() == id).GetProperty("settings").GetProperty("secret_header").GetProperty("value").GetString();
    }
}
