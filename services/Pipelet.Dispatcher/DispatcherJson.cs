using System.Text.Json;
using System.Text.Json.Serialization;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Data;

namespace Pipelet.Dispatcher;

/// <summary>
/// Source-generated snake_case JSON for what the dispatcher reads and writes per delivery outside the bus: the
/// webhook list, and the event and webhook a dead letter keeps. The delivery log API's few responses use the
/// HTTP JSON options (snake_case too).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebhookSubscription[]))]
[JsonSerializable(typeof(StationEvent))]
[JsonSerializable(typeof(DeadLetterWebhook))]
[JsonSerializable(typeof(DisableFailingWebhookRequest))]
[JsonSerializable(typeof(Delivery.WebhookDelivery))]
[JsonSerializable(typeof(DisableFailingWebhookResult))]
internal sealed partial class DispatcherJson : JsonSerializerContext;
