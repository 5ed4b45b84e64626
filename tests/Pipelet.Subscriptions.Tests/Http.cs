using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Pipelet.Subscriptions.Tests;

/// <summary>Small helpers for raw JSON calls: the tests send exactly the bytes a subscriber would.</summary>
internal static class Http
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 7807 problem with this status, and returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Asserts a 400 validation problem with an error for <paramref name="field"/>, and returns that field's messages.</summary>
    public static async Task<string> AssertFieldErrorAsync(this HttpResponseMessage response, string field)
    {
        var problem = await response.AssertProblemAsync(400);
        Assert.True(problem.TryGetProperty("errors", out var errors), $"No errors in {problem}");
        Assert.True(errors.TryGetProperty(field, out var messages), $"No error for '{field}' in {errors}");
        return string.Join(" | ", messages.EnumerateArray().Select(m => m.GetString()));
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, Json(json));

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, string json) =>
        client.PutAsync(path, Json(json));

    public static async Task<long> CreateWebhookAsync(this HttpClient client, string url = "https://my-app.example.com/webhooks/ocpp", string? extra = null)
    {
        var response = await client.PostJsonAsync("/api/v1/webhooks", $$"""
            {"name":"My Integration","url":"{{url}}","enabled":true,
             "events":["StartTransaction","StopTransaction"],
             "secret_header":"X-Webhook-Secret","secret_value":"my-secret-value-here"{{extra}}}
            """);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64();
    }

    public static async Task<T?> GetJsonAsync<T>(this HttpClient client, string path) => await client.GetFromJsonAsync<T>(path);
}
