using System.Text.Json;
using Microsoft.OpenApi;

namespace Pipelet.Subscriptions.Tests;

/// <summary><c>/openapi/v1.json</c> parses as OpenAPI 3.x, validates, and describes every public endpoint (forwarded ones included) with examples.</summary>
public sealed class OpenApiDocumentTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    public static TheoryData<string, string> PublicOperations => new()
    {
        { "get", "/api/v1/webhooks" },
        { "post", "/api/v1/webhooks" },
        { "get", "/api/v1/webhooks/events" },
        { "get", "/api/v1/webhooks/{id}" },
        { "put", "/api/v1/webhooks/{id}" },
        { "delete", "/api/v1/webhooks/{id}" },
        { "post", "/api/v1/webhooks/{id}/test" },
        { "get", "/api/v1/webhooks/{id}/signing-secret" },
        { "post", "/api/v1/webhooks/{id}/signing-secret/rotate" },
        { "post", "/api/v1/api-keys" },
        { "get", "/api/v1/api-keys" },
        { "delete", "/api/v1/api-keys/{id}" },
        { "get", "/api/v1/stations" },
        { "get", "/api/v1/stations/{stationId}" },
        { "post", "/api/v1/stations/{stationId}/commands/{action}" },
        { "get", "/api/v1/webhooks/{id}/deliveries" },
        { "get", "/api/v1/deliveries/{id}" },
        { "get", "/api/v1/failed-deliveries" },
        { "get", "/api/v1/failed-deliveries/{id}" },
        { "post", "/api/v1/failed-deliveries/{id}/retry" },
        { "post", "/api/v1/webhooks/{id}/recover" },
    };

    private async Task<string> DocumentAsync()
    {
        using var anonymous = fixture.App.Public(apiKey: null);
        return await anonymous.GetStringAsync("/openapi/v1.json");
    }

    [Fact]
    public async Task The_document_is_valid_openapi_3()
    {
        var text = await DocumentAsync();

        var result = OpenApiDocument.Parse(text, "json");
        Assert.Empty(result.Diagnostic?.Errors ?? []);
        Assert.StartsWith("3.", JsonDocument.Parse(text).RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Empty(result.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        Assert.Equal("X-API-Key", JsonDocument.Parse(text).RootElement
            .GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("name").GetString());
    }

    [Theory]
    [MemberData(nameof(PublicOperations))]
    public async Task Every_public_operation_is_described(string method, string path)
    {
        var paths = JsonDocument.Parse(await DocumentAsync()).RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing");
        Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is missing");
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _));
    }

    [Fact]
    public async Task Internal_endpoints_are_not_in_the_public_document()
    {
        var text = await DocumentAsync();
        Assert.DoesNotContain("/internal/", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_seed_examples_are_in_the_document()
    {
        var root = JsonDocument.Parse(await DocumentAsync()).RootElement;
        var create = root.GetProperty("paths").GetProperty("/api/v1/webhooks").GetProperty("post");
        var example = create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal("X-Webhook-Secret", example.GetProperty("secret_header").GetString());
        var test = root.GetProperty("paths").GetProperty("/api/v1/webhooks/{id}/test").GetProperty("post");
        var answer = test.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal(124, answer.GetProperty("duration_ms").GetInt32());
    }

    [Fact]
    public async Task The_forwarded_stations_list_is_documented_as_the_gateway_pages_it()
    {
        var root = JsonDocument.Parse(await DocumentAsync()).RootElement;
        var list = root.GetProperty("paths").GetProperty("/api/v1/stations").GetProperty("get");
        Assert.Equal(["limit", "cursor", "after"], list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.True(list.GetProperty("parameters")[2].GetProperty("deprecated").GetBoolean());
        var page = list.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal("WALLBOX_001", page.GetProperty("items")[0].GetProperty("station_id").GetString());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Secrets_are_described_as_strings()
    {
        var schemas = JsonDocument.Parse(await DocumentAsync()).RootElement.GetProperty("components").GetProperty("schemas");
        Assert.Equal("string", schemas.GetProperty("Secret").GetProperty("type").GetString());
        var signingSecret = JsonDocument.Parse(await DocumentAsync()).RootElement.GetProperty("paths")
            .GetProperty("/api/v1/webhooks/{id}/signing-secret").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.StartsWith("whsec_", signingSecret.GetProperty("signing_secret").GetString(), StringComparison.Ordinal);
    }
}
