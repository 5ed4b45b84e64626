using System.Text.Json;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// The delivery log API describes itself (summaries, examples, each operation's scope): the public edge
/// learns from this document which routes to forward here and which scope each needs.
/// </summary>
public sealed class ApiDocumentTests(DispatcherFixture fixture) : IClassFixture<DispatcherFixture>
{
    [Fact]
    public async Task The_document_describes_every_delivery_operation_with_its_scope_and_is_the_checked_in_one()
    {
        using var http = new HttpClient { BaseAddress = fixture.Dispatcher.BaseUri };
        var text = await http.GetStringAsync(ApiDocuments.Path);

        var paths = JsonDocument.Parse(text).RootElement.GetProperty("paths");
        foreach (var (path, method, scope) in new[]
                 {
                     ("/api/v1/webhooks/{id}/deliveries", "get", "deliveries:read"),
                     ("/api/v1/deliveries/{id}", "get", "deliveries:read"),
                     ("/api/v1/failed-deliveries", "get", "deliveries:read"),
                     ("/api/v1/failed-deliveries/{id}", "get", "deliveries:read"),
                     ("/api/v1/failed-deliveries/{id}/retry", "post", "webhooks:write"),
                     ("/api/v1/webhooks/{id}/recover", "post", "webhooks:write"),
                 })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
            Assert.Equal(scope, operation.GetProperty("security")[0].GetProperty("ApiKey")[0].GetString());
            Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _));
        }

        ApiDocuments.AssertCheckedIn("dispatcher", text);
    }
}
