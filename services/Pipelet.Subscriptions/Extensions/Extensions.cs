using Microsoft.Extensions.Options;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.Http;
using Pipelet.ServiceDefaults.InternalApi;
using Pipelet.ServiceDefaults.Problems;
using Pipelet.Subscriptions.ApiKeys;
using Pipelet.Subscriptions.Edge;
using Pipelet.Subscriptions.Http;
using Pipelet.Subscriptions.OpenApi;
using Pipelet.Subscriptions.Webhooks;
using Pipelet.Webhooks;

namespace Pipelet.Subscriptions.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("subscriptionsdb", configureDataSourceBuilder: DataSourceDefaults.Configure);
        builder.AddDatabaseMigrations<WebhookStore>();
        builder.AddRabbitMqBus();
        // Apart from the bus: the station events' route is an exchange-to-exchange binding MassTransit does not make.
        builder.AddRabbitMQClient(Messaging.RabbitMqConnectionName, configureConnectionFactory: factory => factory.ClientProvidedName = "pipelet-subscriptions");
        builder.AddWebhookSending();

        builder.AddValidatedOptions<ApiOptions>(ApiOptions.Section);
        builder.AddValidatedOptions<WebhookEncryptionOptions>(WebhookEncryptionOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<WebhookEncryptionOptions>, WebhookEncryptionOptionsValidator>();

        builder.AddWebhooks();
        builder.AddApiKeys();
        builder.AddHttpApi();
        builder.AddEdgeForwarding();
        builder.AddEdgeApiDocument();
    }

    private static void AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WebhookSecretProtector>();
        builder.Services.AddSingleton<WebhookOutboxSignal>();
        builder.Services.AddSingleton<WebhookStore>();
        builder.Services.AddSingleton<StationEventRoute>();
        builder.Services.AddHostedService<WebhookSecretRotation>();
        builder.Services.AddSingleton<WebhookValidator>();
        builder.Services.AddTransient<WebhookTester>();
        builder.Services.AddHostedService<WebhookChangePublisher>();
    }

    private static void AddApiKeys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<LocalApiKeyVerifier>();
        // Registered before AddApiKeyAuthentication, so keys are checked against our own table.
        builder.Services.AddSingleton<IApiKeyVerifier>(sp => sp.GetRequiredService<LocalApiKeyVerifier>());
        builder.Services.AddHostedService<ApiKeyBootstrap>();
        builder.AddApiKeyAuthentication();
        builder.AddInternalCallerAuthentication(InternalCallers.Gateway, InternalCallers.Dispatcher);
    }

    private static void AddHttpApi(this IHostApplicationBuilder builder)
    {
        builder.AddApiJson(SubscriptionsJson.Default);
        builder.AddProblemResponses();
    }
}
