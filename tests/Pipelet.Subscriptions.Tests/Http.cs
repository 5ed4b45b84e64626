using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pipelet.Client;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// Small helpers: raw JSON calls for the tests about the wire (they send exactly the bytes a subscriber would), and the
/// same problem checks for calls through our client.
/// </summary>
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

    /// <summary>Creates the webhook most tests need, through our client (the seed's example, two events, a secret header), and returns its id.</summary>
    public static async Task<long> CreateWebhookAsync(this PipeletClient client, string url = "https://my-app.example.com/webhooks/ocpp") =>
        (await client.Webhooks.CreateAsync(new CreateWebhook("My Integration", url, ["StartTransaction", "StopTransaction"], Enabled: true,
            SecretHeader: "X-Webhook-Secret", SecretValue: "my-secret-value-here"))).Id;

    /// <summary>Asserts the call fails with an RFC 7807 problem of this status (read by our client), and returns it.</summary>
    public static async Task<PipeletApiException> AssertProblemAsync(this Task call, int status)
    {
        var problem = await Assert.ThrowsAsync<PipeletApiException>(() => call);
        Assert.True(problem.Status == status, $"Expected {status}, got {problem.Message}");
        Assert.False(string.IsNullOrEmpty(problem.Title));
        return problem;
    }

    /// <summary>Asserts the call fails with a 400 validation problem with an error for <paramref name="field"/>, and returns that field's messages.</summary>
    public static async Task<string> AssertFieldErrorAsync(this Task call, string field)
    {
        var problem = await call.AssertProblemAsync(400);
        Assert.True(problem.Errors.TryGetValue(field, out var messages), $"No error for '{field}' in {problem.Message}");
        return string.Join(" | ", messages);
    }

}
