using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipelet.AppHost;
using Pipelet.AppHost.Infrastructure;
using Pipelet.LocalServers;

// The dashboard's telemetry HTTP API answers `x-api-key: <AppHost:DashboardApiKey>`. When running, Aspire 13.6 puts a
// random key of its own over the configured one, so the configured key is read first and put back.
var dashboardApiKey = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build()["AppHost:DashboardApiKey"];
var builder = DistributedApplication.CreateBuilder(args);
if (dashboardApiKey is { Length: > 0 }) builder.Configuration["AppHost:DashboardApiKey"] = dashboardApiKey;
// Aspire looks for a newer version of itself now and then (`dotnet package search` against nuget.org); Pipelet calls
// nothing but webhooks, and NoCallsHomeTests caught that lookup.
builder.Configuration["ASPIRE_VERSION_CHECK_DISABLED"] = "true";

var apiPort = builder.Configuration.GetValue("AppHost:ApiPort", 8080);
var ocppPort = builder.Configuration.GetValue("AppHost:OcppPort", 9000);
var consolePort = builder.Configuration.GetValue("AppHost:ConsolePort", 8081);
var dataDirectory = Path.GetFullPath(builder.Configuration["AppHost:DataDirectory"] is { Length: > 0 } data
    ? data
    : Path.Combine(builder.AppHostDirectory, "..", ".pipelet"));

var run = builder.ExecutionContext.IsRunMode;
var infrastructure = builder.AddInfrastructure(dataDirectory);
var encryptionKey = builder.AddWebhookEncryptionKey(dataDirectory);

// Endpoints are not proxied: the REST API, OCPP and the internal calls carry load, and a proxy hop costs time.
// Without a proxy Aspire needs the ports up front, so the AppHost picks free ones; published, each service
// listens on fixed container ports.
var subscriptions = builder.AddProject<Projects.Pipelet_Subscriptions>("subscriptions", launchProfileName: null)
    .WithHttpEndpoint(port: apiPort, isProxied: false)
    .WithHttpEndpoint(port: run ? FreePort.Next() : 8081, name: "internal", isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithReference(infrastructure.RabbitMq).WaitFor(infrastructure.RabbitMq)
    .WithReference(infrastructure.SubscriptionsDb).WaitFor(infrastructure.SubscriptionsDb)
    .WithEnvironment("Webhooks__EncryptionKey", encryptionKey)
    .WithLocalDevelopmentSettings("Api", "Webhooks", "Delivery")
    .WithUrlForEndpoint("http", url => url.Url = $"http://localhost:{apiPort}/api/v1")
    .WithEndpoint("http", endpoint => endpoint.IsExternal = true);
subscriptions.WithEnvironment("Api__InternalPort", subscriptions.GetEndpoint("internal").Property(EndpointProperty.TargetPort));

// The dispatcher binds its queues to the station-event exchange at start: a station event published before
// that would go nowhere, so the gateway, which accepts stations, starts only once the dispatcher is healthy.
var dispatcher = builder.AddProject<Projects.Pipelet_Dispatcher>("dispatcher", launchProfileName: null)
    .WithHttpEndpoint(port: run ? FreePort.Next() : 8080, isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithReference(infrastructure.RabbitMq).WaitFor(infrastructure.RabbitMq)
    .WithReference(infrastructure.DispatcherDb).WaitFor(infrastructure.DispatcherDb)
    .WithReference(subscriptions.GetEndpoint("internal"))
    .WithLocalDevelopmentSettings("Delivery", "Api:RateLimit");

var gateway = builder.AddProject<Projects.Pipelet_Gateway>("gateway", launchProfileName: null)
    .WithHttpEndpoint(port: ocppPort, isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithReference(infrastructure.RabbitMq).WaitFor(infrastructure.RabbitMq)
    .WithReference(infrastructure.GatewayDb).WaitFor(infrastructure.GatewayDb)
    .WithReference(subscriptions.GetEndpoint("internal"))
    .WaitFor(dispatcher)
    .WithLocalDevelopmentSettings("Gateway", "Api:RateLimit")
    .WithUrlForEndpoint("http", url => url.Url = $"ws://localhost:{ocppPort}/ocpp/{{stationId}}")
    .WithEndpoint("http", endpoint => endpoint.IsExternal = true);

// The edge forwards station commands to the gateway and delivery queries to the dispatcher.
subscriptions
    .WithReference(gateway)
    .WithReference(dispatcher);

// The delivery console: a web page for subscribers that talks only to the public REST API, with their own key.
var console = builder.AddProject<Projects.Pipelet_Console>("console", launchProfileName: null)
    .WithHttpEndpoint(port: consolePort, isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithReference(subscriptions.GetEndpoint("http"))
    .WaitFor(subscriptions)
    .WithLocalDevelopmentSettings("Console");

// Each caller of the subscription service's internal API has its own key; only the dispatcher's reads webhook
// secrets. Running: a fresh pair every run (nothing is kept under them); published: secret parameters.
var gatewayKey = InternalApiKey("gateway-internal-key");
var dispatcherKey = InternalApiKey("dispatcher-internal-key");
subscriptions
    .WithEnvironment("InternalApi__CallerKeys__gateway", gatewayKey)
    .WithEnvironment("InternalApi__CallerKeys__dispatcher", dispatcherKey);
gateway.WithEnvironment("InternalApi__Key", gatewayKey);
dispatcher.WithEnvironment("InternalApi__Key", dispatcherKey);

foreach (var project in new[] { subscriptions, dispatcher, gateway, console })
{
    project.WithServiceTraceSampling();
    project.WithoutOtherSettings();
}

if (builder.ExecutionContext.IsPublishMode)
{
    subscriptions.WithEnvironment("Api__BootstrapKey", builder.AddParameter("api-bootstrap-key", secret: true));
}

if (builder.ExecutionContext.IsRunMode)
{
    builder.Services.AddSingleton(new PublicAddresses(
        $"http://localhost:{apiPort}/api/v1",
        $"ws://localhost:{ocppPort}/ocpp/{{stationId}}",
        $"http://localhost:{consolePort}",
        builder.Configuration["Api:BootstrapKey"] is { Length: > 0 }
            ? "the value of Api__BootstrapKey"
            : "printed once in the subscriptions log at its first start (dashboard: subscriptions, Console logs)"));
    StartupReport.Subscribe(builder);
}

builder.Build().Run();

IResourceBuilder<ParameterResource> InternalApiKey(string name) => run
    ? builder.AddParameter(name, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), secret: true)
    : builder.AddParameter(name, secret: true);
