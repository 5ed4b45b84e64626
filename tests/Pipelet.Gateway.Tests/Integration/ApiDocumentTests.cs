using System.Text.Json;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// The stations API describes itself (summaries, examples, each operation's scope): the public edge learns
/// from this document which routes to forward here and which scope each needs.
/// </summary>
public sealed class ApiDocumentTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    [Fact]
    public async Task The_document_describes_every_stations_operation_with_its_scope_and_is_the_checked_in_one()
    {
        await using var keys = await ApiKeyCheckDouble.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?>
            {
                ["Gateway:RequireApiKey"] = "true",
                ["services:subscriptions:internal:0"] = keys.Address,
                ["InternalApi:Key"] = InternalApiKeys.Gateway,
            });

        var text = await gateway.Http.GetStringAsync(ApiDocuments.Path);
        ApiDocuments.AssertCheckedIn("gateway", text);

        var paths = JsonDocument.Parse(text).RootElement.GetProperty("paths");
        foreach (var (path, method) in new[] { ("/api/v1/stations", "get"), ("/api/v1/stations/{stationId}", "get"), ("/api/v1/stations/{stationId}/commands/{action}", "post") })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
            Assert.Equal("stations:command", operation.GetProperty("security")[0].GetProperty("ApiKey")[0].GetString());
            Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _));
        }
    }
}
