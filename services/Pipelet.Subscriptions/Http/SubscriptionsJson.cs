using System.Text.Json.Serialization;
using Pipelet.Contracts.Subscriptions;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.Http;
using Pipelet.Subscriptions.ApiKeys;
using Pipelet.Subscriptions.Webhooks;

namespace Pipelet.Subscriptions.Http;

/// <summary>Source-generated JSON for the API's bodies, with the options every public API shares (<see cref="ServiceDefaults.Http.ApiJson"/>).</summary>
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
[JsonSerializable(typeof(DisableFailingWebhookRequest))]
[JsonSerializable(typeof(DisableFailingWebhookResult))]
[JsonSerializable(typeof(WebhookDisabledPayload))]
internal sealed partial class SubscriptionsJson : JsonSerializerContext;
