using System.Text.Json;
using System.Text.Json.Serialization;
using Pipelet.Contracts.Subscriptions;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.Subscriptions.ApiKeys;
using Pipelet.Subscriptions.Webhooks;

namespace Pipelet.Subscriptions.Http;

/// <summary>Source-generated JSON for the API's bodies: snake_case, unknown fields refused.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(CreateWebhookRequest))]
[JsonSerializable(typeof(UpdateWebhookRequest))]
[JsonSerializable(typeof(WebhookResponse))]
[JsonSerializable(typeof(Page<WebhookResponse>))]
[JsonSerializable(typeof(WebhookTestResult))]
[JsonSerializable(typeof(SigningSecretResponse))]
[JsonSerializable(typeof(EventResponse[]))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(CreatedApiKeyResponse))]
[JsonSerializable(typeof(Page<ApiKeyResponse>))]
[JsonSerializable(typeof(VerifyApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyIdentity))]
[JsonSerializable(typeof(WebhookSubscription[]))]
internal sealed partial class SubscriptionsJson : JsonSerializerContext
{
    /// <summary>The HTTP API's settings: snake_case, unknown fields are an error (a typo must not be silently ignored).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.TypeInfoResolverChain.Insert(0, Default);
    }
}
