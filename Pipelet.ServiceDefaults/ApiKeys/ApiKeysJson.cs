using System.Text.Json.Serialization;

namespace Pipelet.ServiceDefaults.ApiKeys;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(VerifyApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyIdentity))]
internal sealed partial class ApiKeysJson : JsonSerializerContext;
