using System.Text.Json.Serialization;

namespace Pipelet.ServiceDefaults.ApiKeys;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(VerifyRequest))]
[JsonSerializable(typeof(ApiKeyIdentity))]
internal sealed partial class ApiKeysJson : JsonSerializerContext;
