using Microsoft.Extensions.Configuration;
using Pipelet.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var apiPort = builder.Configuration.GetValue("AppHost:ApiPort", 8080);
var ocppPort = builder.Configuration.GetValue("AppHost:OcppPort", 9000);

var rabbitmq = builder.AddRabbitMQ("rabbitmq");
var postgres = builder.AddPostgres("postgres");
var gatewayDb = postgres.AddDatabase("gatewaydb");
var subscriptionsDb = postgres.AddDatabase("subscriptionsdb");
var dispatcherDb = postgres.AddDatabase("dispatcherdb");

var encryptionKey = builder.AddGeneratedSecret("webhooks-encryption-key", "Webhooks:EncryptionKey");
// Each caller of the subscription service's internal API has its own key: only the dispatcher's reads webhook secrets.
var gatewayInternalKey = builder.AddGeneratedSecret("gateway-internal-key", "InternalApi:CallerKeys:gateway");
var dispatcherInternalKey = builder.AddGeneratedSecret("dispatcher-internal-key", "InternalApi:CallerKeys:dispatcher");

// The public edge: the REST API on apiPort, and an internal port for service-to-service calls.
var subscriptions = builder.AddProject<Projects.Pipelet_Subscriptions>("subscriptions")
    .WithHttpEndpoint(port: apiPort)
    .WithHttpEndpoint(name: "internal", env: "Api__InternalPort")
    .WithHttpHealthCheck("/health")
    .WithReference(rabbitmq).WaitFor(rabbitmq)
    .WithReference(subscriptionsDb).WaitFor(subscriptionsDb)
    .WithEnvironment("Webhooks__EncryptionKey", encryptionKey)
    .WithEnvironment("InternalApi__CallerKeys__gateway", gatewayInternalKey)
    .WithEnvironment("InternalApi__CallerKeys__dispatcher", dispatcherInternalKey)
    .WithEnvironment("Delivery__AllowPrivateNetworks", "true") // local development only
    .WithConfigurationSection("Api")
    .WithConfigurationSection("Webhooks")
    .WithConfigurationSection("Delivery")
    .WithUrl($"http://localhost:{apiPort}/api/v1", "REST API")
    .WithUrl(builder.Configuration["Api:BootstrapKey"] is { Length: > 0 }
        ? "the value of Api__BootstrapKey"
        : "printed once in the subscriptions log at its first start", "API key");

var gateway = builder.AddProject<Projects.Pipelet_Gateway>("gateway")
    .WithHttpEndpoint(port: ocppPort)
    .WithHttpHealthCheck("/health")
    .WithReference(rabbitmq).WaitFor(rabbitmq)
    .WithReference(gatewayDb).WaitFor(gatewayDb)
    .WithReference(subscriptions.GetEndpoint("internal"))
    .WithEnvironment("InternalApi__Key", gatewayInternalKey)
    .WithConfigurationSection("Gateway")
    .WithConfigurationSection("Api:RateLimit")
    .WithUrl($"ws://localhost:{ocppPort}/ocpp/{{stationId}}", "OCPP");

var dispatcher = builder.AddProject<Projects.Pipelet_Dispatcher>("dispatcher")
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithReference(rabbitmq).WaitFor(rabbitmq)
    .WithReference(dispatcherDb).WaitFor(dispatcherDb)
    .WithReference(subscriptions.GetEndpoint("internal"))
    .WithEnvironment("InternalApi__Key", dispatcherInternalKey)
    .WithEnvironment("Delivery__AllowPrivateNetworks", "true") // local development only
    .WithConfigurationSection("Delivery")
    .WithConfigurationSection("Api:RateLimit");

// The edge forwards station commands to the gateway and delivery queries to the dispatcher.
subscriptions
    .WithReference(gateway)
    .WithReference(dispatcher);

builder.Build().Run();
