using Microsoft.Extensions.Configuration;
using Pipelet.AppHost.Hosting;

namespace Pipelet.AppHost.Tests.Hosting;

/// <summary>What the declared graph gives each project, computed without starting anything.</summary>
public sealed class ResourceGraphTests
{
    private sealed class FakeProject : IProjectMetadata
    {
        public string ProjectPath => "/nowhere/Fake.csproj";

        public string TargetPath => "/nowhere/Fake.dll";
    }

    private static IDistributedApplicationBuilder Builder(Dictionary<string, string?>? settings = null) =>
        DistributedApplication.CreateBuilder(
            new ConfigurationBuilder().AddInMemoryCollection(settings ?? new()
            {
                ["ConnectionStrings:rabbitmq"] = "amqp://user:secret@broker:5672",
                ["ConnectionStrings:postgres"] = "Host=db;Port=5432;Username=admin;Password=secret",
            }).Build(),
            "/repo/Pipelet.AppHost");

    private static void Allocate(IDistributedApplicationBuilder builder)
    {
        var next = 40000;
        EndpointAllocator.Allocate(builder.Resources.OfType<IResourceWithEndpoints>(), _ => true, () => next++);
    }

    [Fact]
    public void A_reference_to_a_server_or_database_gives_its_connection_string()
    {
        var builder = Builder();
        var rabbitmq = builder.AddRabbitMQ("rabbitmq");
        var db = builder.AddPostgres("postgres").AddDatabase("gatewaydb");
        var project = builder.AddProject<FakeProject>("gateway").WithReference(rabbitmq).WithReference(db);
        Allocate(builder);

        var environment = project.Resource.BuildEnvironment();

        Assert.Equal("amqp://user:secret@broker:5672", environment["ConnectionStrings__rabbitmq"]);
        Assert.Equal("Host=db;Port=5432;Username=admin;Password=secret;Database=gatewaydb", environment["ConnectionStrings__gatewaydb"]);
    }

    [Fact]
    public void Endpoints_make_the_urls_the_port_variable_and_the_service_addresses_of_referencing_projects()
    {
        var builder = Builder();
        var edge = builder.AddProject<FakeProject>("subscriptions")
            .WithHttpEndpoint(port: 8080)
            .WithHttpEndpoint(name: "internal", env: "Api__InternalPort");
        var gateway = builder.AddProject<FakeProject>("gateway")
            .WithHttpEndpoint(port: 9000)
            .WithReference(edge.GetEndpoint("internal"));
        edge.WithReference(gateway); // references may point either way
        Allocate(builder);

        var edgeEnvironment = edge.Resource.BuildEnvironment();
        var gatewayEnvironment = gateway.Resource.BuildEnvironment();

        Assert.Equal("http://localhost:8080;http://localhost:40000", edgeEnvironment["ASPNETCORE_URLS"]);
        Assert.Equal("40000", edgeEnvironment["Api__InternalPort"]);
        Assert.Equal("http://localhost:9000", edgeEnvironment["services__gateway__http__0"]);
        Assert.Equal("http://localhost:9000", gatewayEnvironment["ASPNETCORE_URLS"]);
        Assert.Equal("http://localhost:40000", gatewayEnvironment["services__subscriptions__internal__0"]);
        Assert.False(gatewayEnvironment.ContainsKey("services__subscriptions__http__0"));
    }

    [Fact]
    public void Every_project_gets_its_service_name_and_the_development_environment()
    {
        var builder = Builder();
        var project = builder.AddProject<FakeProject>("dispatcher").WithHttpEndpoint();
        Allocate(builder);

        var environment = project.Resource.BuildEnvironment();

        Assert.Equal("dispatcher", environment["OTEL_SERVICE_NAME"]);
        Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
        Assert.False(environment.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"));
    }

    [Fact]
    public void The_apphost_otlp_endpoint_and_settings_sections_reach_the_project()
    {
        var builder = Builder(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317",
            ["Delivery:RetrySchedule"] = "1s,2s",
            ["Delivery:Timeout"] = "00:00:05",
            ["Gateway:Stations:Auth:Enabled"] = "true",
        });
        var project = builder.AddProject<FakeProject>("dispatcher")
            .WithEnvironment("Delivery__AllowPrivateNetworks", "true")
            .WithConfigurationSection("Delivery")
            .WithConfigurationSection("Gateway")
            .WithEnvironment("Api__BootstrapKey", builder.Configuration["Api:BootstrapKey"]);

        var environment = project.Resource.BuildEnvironment();

        Assert.Equal("http://collector:4317", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("1s,2s", environment["Delivery__RetrySchedule"]);
        Assert.Equal("00:00:05", environment["Delivery__Timeout"]);
        Assert.Equal("true", environment["Delivery__AllowPrivateNetworks"]);
        Assert.Equal("true", environment["Gateway__Stations__Auth__Enabled"]);
        Assert.False(environment.ContainsKey("Delivery"));
        Assert.False(environment.ContainsKey("Api__BootstrapKey")); // unset settings stay unset
    }

    [Fact]
    public void A_fixed_port_in_use_is_refused_with_the_settings_that_move_it()
    {
        var builder = Builder();
        builder.AddProject<FakeProject>("subscriptions").WithHttpEndpoint(port: 8080);

        var error = Assert.Throws<PortInUseException>(() =>
            EndpointAllocator.Allocate(builder.Resources.OfType<IResourceWithEndpoints>(), port => port != 8080, () => 40000));

        Assert.Contains("8080", error.Message, StringComparison.Ordinal);
        Assert.Contains("AppHost__ApiPort", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Free_ports_never_repeat_a_port_already_given()
    {
        var builder = Builder();
        builder.AddProject<FakeProject>("a").WithHttpEndpoint(port: 40001);
        var b = builder.AddProject<FakeProject>("b").WithHttpEndpoint().WithHttpEndpoint(name: "internal");
        var offered = new Queue<int>([40001, 40001, 40002, 40003]);

        EndpointAllocator.Allocate(builder.Resources.OfType<IResourceWithEndpoints>(), _ => true, offered.Dequeue);

        Assert.Equal([40002, 40003], b.Resource.Endpoints.Select(e => e.AllocatedPort!.Value));
    }

    [Fact]
    public void Projects_stop_before_the_databases_and_servers_they_wait_for()
    {
        var builder = Builder();
        var rabbitmq = builder.AddRabbitMQ("rabbitmq");
        var postgres = builder.AddPostgres("postgres");
        var db = postgres.AddDatabase("db");
        builder.AddProject<FakeProject>("service").WaitFor(rabbitmq).WaitFor(db);

        var layers = StopOrder.Layers(builder.Resources.OfType<Resource>().ToList());

        Assert.Equal(
            [["service"], ["db"], ["rabbitmq", "postgres"]],
            layers.Select(l => l.Select(r => r.Name).ToArray()).ToArray());
    }

    [Fact]
    public void Resource_names_are_unique()
    {
        var builder = Builder();
        builder.AddRabbitMQ("rabbitmq");

        Assert.Throws<InvalidOperationException>(() => builder.AddPostgres("RabbitMQ"));
    }

    [Fact]
    public void The_data_folder_defaults_to_dot_pipelet_in_the_repository()
    {
        Assert.Equal("/repo/.pipelet", Builder().DataDirectory);
        Assert.Equal("/tmp/x", Builder(new() { ["AppHost:DataDirectory"] = "/tmp/x" }).DataDirectory);
    }

    [Fact]
    public void The_table_shows_addresses_without_passwords()
    {
        var builder = Builder();
        var rabbitmq = builder.AddRabbitMQ("rabbitmq");
        var postgres = builder.AddPostgres("postgres");

        var table = ResourceTable.Render(
            [.. new Resource[] { rabbitmq.Resource, postgres.Resource }
                .Select(r => new ResourceTable.Row(r.Name, ResourceTable.TypeOf(r), "Running", [.. r.DisplayUrls()]))]);

        Assert.Contains("amqp://user@broker:5672/", table, StringComparison.Ordinal);
        Assert.Contains("postgresql://admin@db:5432/", table, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", table, StringComparison.Ordinal);
    }
}
