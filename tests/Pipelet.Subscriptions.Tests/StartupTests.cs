extern alias subscriptions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Pipelet.Subscriptions.Tests;

/// <summary>The service refuses to start with a missing or bad setting, and says which one and how to fix it.</summary>
[Collection(nameof(FailedStartCollection))]
public sealed class StartupTests
{
    private sealed class Misconfigured(IDictionary<string, string?> settings) : WebApplicationFactory<subscriptions::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            var all = new Dictionary<string, string?>
            {
                // Never reached: options are validated before anything connects.
                ["ConnectionStrings:subscriptionsdb"] = "Host=127.0.0.1;Port=1;Username=x;Password=x;Database=x",
                ["ConnectionStrings:rabbitmq"] = "amqp://guest:guest@127.0.0.1:1/",
                ["services:gateway:http:0"] = "http://127.0.0.1:1/",
                ["services:dispatcher:http:0"] = "http://127.0.0.1:1/",
                ["Api:InternalPort"] = "9001",
                ["Webhooks:EncryptionKey"] = Convert.ToBase64String(new byte[32]),
            };
            foreach (var (key, value) in settings) all[key] = value;
            foreach (var (key, value) in all) builder.UseSetting(key, value);
        }
    }

    [Theory]
    [InlineData("Webhooks:EncryptionKey", "", "Webhooks__EncryptionKey")]
    [InlineData("Webhooks:EncryptionKey", "c2hvcnQ=", "Webhooks__EncryptionKey")]
    [InlineData("Api:InternalPort", "", "Api__InternalPort")]
    [InlineData("Api:BootstrapKey", "short", "Api:BootstrapKey")]
    [InlineData("services:gateway:http:0", "", "services__gateway__http__0")]
    [InlineData("environment", "Production", "InternalApi__CallerKeys__")] // outside Development the internal API needs its callers' keys
    [InlineData("InternalApi:CallerKeys:dispatcher", "too-short", "InternalApi__CallerKeys__")]
    public void A_missing_or_bad_setting_stops_the_start_with_a_clear_message(string key, string value, string named)
    {
        using var factory = new Misconfigured(new Dictionary<string, string?> { [key] = value });
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.True(error.ToString().Contains(named, StringComparison.Ordinal), $"Expected the error to name {named}; it was:\n{error}");
    }
}
