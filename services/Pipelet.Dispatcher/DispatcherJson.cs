using System.Text.Json;
using System.Text.Json.Serialization;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Apis.Models;
using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher;

/// <summary>Source-generated snake_case JSON for everything the dispatcher reads and writes outside the bus.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebhookSubscription[]))]
[JsonSerializable(typeof(StationEvent))]
[JsonSerializable(typeof(DeadLetterWebhook))]
[JsonSerializable(typeof(DeliveryDetail))]
[JsonSerializable(typeof(Page<DeliverySummary>))]
[JsonSerializable(typeof(Page<FailedDeliveryView>))]
[JsonSerializable(typeof(FailedDeliveryView))]
[JsonSerializable(typeof(ReplayStarted))]
[JsonSerializable(typeof(RecoverRequest))]
[JsonSerializable(typeof(RecoverStarted))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails))]
internal sealed partial class DispatcherJson : JsonSerializerContext;
