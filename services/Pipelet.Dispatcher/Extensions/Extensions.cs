using MassTransit;
using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Ordering;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Telemetry;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.Http;
using Pipelet.ServiceDefaults.OpenApi;
using Pipelet.ServiceDefaults.Problems;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        builder.AddValidatedOptions<DeliveryOptions>(DeliveryOptions.Section);
        builder.AddValidatedOptions<DeliveryLogOptions>(DeliveryOptions.Section);
        builder.AddValidatedOptions<WebhookDirectoryOptions>(DeliveryOptions.Section);
        builder.AddValidatedOptions<OrderedDeliveryOptions>(DeliveryOptions.Section);
        services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
        services.AddSingleton<IValidateOptions<DeliveryOptions>, SlowThresholdValidator>();
        services.AddSingleton(sp => RetryLadder.Parse(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.RetrySchedule));

        builder.AddApiJson();
        builder.AddProblemResponses();
        builder.AddApiKeyAuthentication();
        // The delivery log API's description, which the public edge reads to learn what it forwards here.
        builder.AddPublicApiDocument();

        // Start-up order matters: schema, then the retry queues, then the bus that uses both.
        builder.AddNpgsqlDataSource("dispatcherdb", configureDataSourceBuilder: DataSourceDefaults.Configure);
        builder.AddDatabaseMigrations<DeliveryLog>();
        // For what MassTransit does not do: the retry ladder's queues and every queue's depth.
        builder.AddRabbitMQClient(Messaging.RabbitMqConnectionName, configureConnectionFactory: factory => factory.ClientProvidedName = "pipelet-dispatcher");
        services.AddHostedService<RetryTopology>();

        builder.AddWebhookSending();
        // Thousands of sends a second: the client factory's per-request log scopes cost more than they tell;
        // every attempt is in the delivery log and its span already.
        services.AddHttpClient(WebhookSender.HttpClientName).RemoveAllLoggers();
        services.AddSingleton<DeliveryTelemetry>();
        builder.AddWebhookDirectory();
        services.AddSingleton<DeliveryLog>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryLog>());
        services.AddSingleton<DeliveryLogReader>();
        services.AddHostedService<DeliveryLogRetention>();
        services.AddSingleton<RetryCancellation>();
        services.AddHostedService(sp => sp.GetRequiredService<RetryCancellation>());
        services.AddSingleton<WebhookFailureLog>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookFailureLog>());
        services.AddHostedService<FailingWebhookDisabler>();
        services.AddSingleton<PausedWebhookStore>();
        services.AddSingleton<PausedWebhooks>();
        services.AddHostedService<PausedWebhookProbe>();
        services.AddSingleton<WebhookRateBuckets>();
        services.AddSingleton<WebhookRateLimiter>();
        services.AddSingleton<RetryQueueDepths>();
        services.AddHostedService(sp => sp.GetRequiredService<RetryQueueDepths>());
        services.AddSingleton<ConsumeProgress>();
        services.AddSingleton<RetryScheduler>();
        services.AddSingleton<DeliveryAttempts>();
        services.AddSingleton<StationEventFanOut>();
        services.AddSingleton<FanOutSlots>();
        services.AddSingleton<RetryBatchSlots>();
        services.AddSingleton<WebhookConcurrency>();
        services.AddSingleton<WebhookHealth>();
        services.AddScoped<DeadLetterReplay>();
        // Ordered delivery per station: the ordered queue's binding, its lanes in PostgreSQL and the instance's lane worker.
        services.AddSingleton<OrderedLanes>();
        services.AddSingleton<OrderedLaneWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<OrderedLaneWorker>());
        services.AddHostedService<OrderedRoute>();
        services.AddHostedService<BusWatchdog>();
        TraceContinuity.Ensure();

        builder.AddRabbitMqBus(bus =>
        {
            bus.AddConsumer<StationEventBatchConsumer, StationEventBatchConsumerDefinition>();
            bus.AddConsumer<OrderedStationEventConsumer, OrderedStationEventConsumerDefinition>();
            bus.AddConsumer<WebhookDeliveryConsumer, WebhookDeliveryConsumerDefinition>();
            bus.AddConsumer<SlowWebhookDeliveryConsumer, SlowWebhookDeliveryConsumerDefinition>();
            bus.AddConsumer<WebhookChangesConsumer, WebhookChangesConsumerDefinition>();
        });
    }
}
