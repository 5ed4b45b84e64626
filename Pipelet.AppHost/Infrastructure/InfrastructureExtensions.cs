using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelet.LocalServers;

namespace Pipelet.AppHost.Infrastructure;

/// <summary>Where RabbitMQ and PostgreSQL come from (<c>AppHost__Infrastructure</c>).</summary>
internal enum InfrastructureMode
{
    /// <summary>Aspire's own RabbitMQ and PostgreSQL containers: with a healthy container runtime, and always when publishing.</summary>
    Containers,

    /// <summary>Debian's <c>rabbitmq-server</c> and <c>postgres</c> as executables, data under the data folder.</summary>
    Local,

    /// <summary>The servers of <c>ConnectionStrings__rabbitmq</c> and <c>ConnectionStrings__postgres</c>.</summary>
    External,
}

/// <summary>The broker and the three databases, whichever way they are provided.</summary>
internal sealed record Infrastructure(
    InfrastructureMode Mode,
    IResourceBuilder<IResourceWithConnectionString> RabbitMq,
    IResourceBuilder<IResourceWithConnectionString> GatewayDb,
    IResourceBuilder<IResourceWithConnectionString> SubscriptionsDb,
    IResourceBuilder<IResourceWithConnectionString> DispatcherDb);

internal static class InfrastructureExtensions
{
    /// <summary>
    /// RabbitMQ (<c>rabbitmq</c>) and PostgreSQL (<c>postgres</c> with <c>gatewaydb</c>, <c>subscriptionsdb</c>,
    /// <c>dispatcherdb</c>) in the <see cref="InfrastructureMode"/> configured, or else the one that fits.
    /// </summary>
    public static Infrastructure AddInfrastructure(this IDistributedApplicationBuilder builder, string dataDirectory)
    {
        var mode = ChooseMode(builder);
        return mode switch
        {
            InfrastructureMode.Containers => AddContainers(builder),
            InfrastructureMode.Local => AddLocalServers(builder, dataDirectory),
            _ => AddExternalServers(builder),
        };
    }

    private static InfrastructureMode ChooseMode(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode) return InfrastructureMode.Containers;
        var configured = builder.Configuration["AppHost:Infrastructure"];
        if (!string.IsNullOrEmpty(configured))
        {
            return Enum.TryParse<InfrastructureMode>(configured, ignoreCase: true, out var chosen)
                ? chosen
                : throw new InvalidOperationException($"AppHost:Infrastructure is '{configured}'; it must be containers, local or external.");
        }

        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString("rabbitmq"))
            && !string.IsNullOrEmpty(builder.Configuration.GetConnectionString("postgres")))
        {
            return InfrastructureMode.External;
        }

        return ContainerRuntimeAnswers(builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker")
            ? InfrastructureMode.Containers
            : InfrastructureMode.Local;
    }

    private static Infrastructure AddContainers(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode) return AddPublishedContainers(builder);
        var postgres = builder.AddPostgres("postgres");
        return new Infrastructure(
            InfrastructureMode.Containers,
            AsConnectionString(builder.AddRabbitMQ("rabbitmq")),
            AsConnectionString(postgres.AddDatabase("gatewaydb")),
            AsConnectionString(postgres.AddDatabase("subscriptionsdb")),
            AsConnectionString(postgres.AddDatabase("dispatcherdb")));
    }

    /// <summary>
    /// RabbitMQ and PostgreSQL for the manifest: containers whose passwords are secret parameters generated
    /// without special characters (they go into an amqp URI as they are), and databases as connection strings.
    /// </summary>
    private static Infrastructure AddPublishedContainers(IDistributedApplicationBuilder builder)
    {
        var password = new GenerateParameterDefault { MinLength = 24, Special = false };
        var rabbitUser = builder.AddParameter("rabbitmq-user", "pipelet", publishValueAsDefault: true);
        var rabbitPassword = builder.AddParameter("rabbitmq-password", password, secret: true);
        var rabbitmq = builder.AddResource(new PublishedRabbitMQResource("rabbitmq", rabbitUser.Resource, rabbitPassword.Resource))
            .WithImage("rabbitmq", "3.13-management")
            .WithEndpoint(targetPort: 5672, name: "tcp", scheme: "tcp")
            .WithEnvironment("RABBITMQ_DEFAULT_USER", rabbitUser)
            .WithEnvironment("RABBITMQ_DEFAULT_PASS", rabbitPassword);
        var postgresPassword = builder.AddParameter("postgres-password", password, secret: true);
        var postgres = builder.AddResource(new PublishedPostgresResource("postgres", postgresPassword.Resource))
            .WithImage("postgres", "15")
            .WithEndpoint(targetPort: 5432, name: "tcp", scheme: "tcp")
            .WithEnvironment("POSTGRES_PASSWORD", postgresPassword)
            .CreatingDatabases(DatabaseNames);
        return new Infrastructure(
            InfrastructureMode.Containers,
            AsConnectionString(rabbitmq),
            AddDatabase(builder, postgres.Resource, DatabaseNames[0]),
            AddDatabase(builder, postgres.Resource, DatabaseNames[1]),
            AddDatabase(builder, postgres.Resource, DatabaseNames[2]));
    }

    private static readonly string[] DatabaseNames = ["gatewaydb", "subscriptionsdb", "dispatcherdb"];

    /// <summary>
    /// The image's entrypoint runs the SQL files in <c>/docker-entrypoint-initdb.d</c> when it initialises an empty
    /// data folder: the container writes one creating <paramref name="databases"/> there first. Kept in the
    /// container's own command, so that whatever turns the manifest into a deployment (aspirate) keeps it too.
    /// </summary>
    private static IResourceBuilder<PublishedPostgresResource> CreatingDatabases(this IResourceBuilder<PublishedPostgresResource> postgres, IEnumerable<string> databases)
    {
        var sql = string.Join(@"\n", databases.Select(d => $"CREATE DATABASE {d};"));
        return postgres
            .WithEntrypoint("bash")
            .WithArgs("-c", $"printf '{sql}\\n' > /docker-entrypoint-initdb.d/pipelet-databases.sql && exec docker-entrypoint.sh postgres");
    }

    private static Infrastructure AddLocalServers(IDistributedApplicationBuilder builder, string dataDirectory)
    {
        // Our own Erlang port mapper, so that stopping the AppHost stops it too (one started by the node would
        // outlive it), listening on loopback only.
        var rabbitData = Path.Combine(dataDirectory, "rabbitmq");
        var rabbitPorts = RabbitMqPorts.Free();
        var epmdCommand = LocalRabbitMq.Epmd(rabbitData, rabbitPorts.Epmd);
        var epmd = builder.AddExecutable("rabbitmq-epmd", epmdCommand.FileName, epmdCommand.WorkingDirectory, [.. epmdCommand.Arguments])
            .WithEnvironment(epmdCommand)
            .WithHealthCheck(AddCheck(builder, "rabbitmq-epmd", ct => LocalRabbitMq.EpmdAnswersAsync("127.0.0.1", rabbitPorts.Epmd, ct)));
        var nodeCommand = LocalRabbitMq.Node(rabbitData, rabbitPorts);
        var rabbitmq = builder.AddResource(new LocalRabbitMQResource("rabbitmq", nodeCommand, rabbitPorts.Amqp))
            .WithArgs([.. nodeCommand.Arguments])
            .WithEnvironment(nodeCommand)
            .WithEndpoint(port: rabbitPorts.Amqp, name: "tcp", scheme: "amqp", isProxied: false)
            .WithHealthCheck(AddCheck(builder, "rabbitmq-amqp", ct => LocalRabbitMq.SpeaksAmqpAsync("127.0.0.1", rabbitPorts.Amqp, ct)))
            .WaitFor(epmd);
        epmd.WithParentRelationship(rabbitmq);

        var postgresData = Path.Combine(dataDirectory, "postgres");
        var postgresPort = FreePort.Next();
        var postgresCommand = LocalPostgres.Server(postgresData, postgresPort);
        var postgres = builder.AddResource(new LocalPostgresResource("postgres", postgresCommand, postgresPort))
            .WithArgs([.. postgresCommand.Arguments])
            .WithEnvironment(postgresCommand)
            .WithEndpoint(port: postgresPort, name: "tcp", scheme: "tcp", isProxied: false)
            .WithHealthCheck(AddCheck(builder, "postgres-login", ct => LocalPostgres.AcceptsConnectionsAsync(LocalPostgres.ConnectionString(postgresPort), ct)))
            .OnBeforeResourceStarted((resource, e, ct) => StopUnlessAsync(e.Services, resource.Name, () => LocalPostgres.InitializeAsync(postgresData, ct)));

        return new Infrastructure(
            InfrastructureMode.Local,
            AsConnectionString(rabbitmq),
            AddDatabase(builder, postgres.Resource, DatabaseNames[0]),
            AddDatabase(builder, postgres.Resource, DatabaseNames[1]),
            AddDatabase(builder, postgres.Resource, DatabaseNames[2]));
    }

    private static Infrastructure AddExternalServers(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddConnectionString("postgres");
        return new Infrastructure(
            InfrastructureMode.External,
            AsConnectionString(builder.AddConnectionString("rabbitmq")),
            AddDatabase(builder, postgres.Resource, DatabaseNames[0]),
            AddDatabase(builder, postgres.Resource, DatabaseNames[1]),
            AddDatabase(builder, postgres.Resource, DatabaseNames[2]));
    }

    /// <summary>
    /// A database on <paramref name="server"/>: created once the server is ready, then running, and healthy while it exists.
    /// </summary>
    private static IResourceBuilder<IResourceWithConnectionString> AddDatabase(
        IDistributedApplicationBuilder builder, IResourceWithConnectionString server, string name)
    {
        var database = builder.AddResource(new PostgresDatabase(name, name, server))
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", State = KnownResourceStates.NotStarted, Properties = [] })
            .WithHealthCheck(AddCheck(builder, $"{name}-exists", async ct =>
            {
                await LocalPostgres.CreateDatabaseAsync(await AdminConnectionStringAsync(server, ct), name, ct);
                return true;
            }));
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (e, ct) =>
        {
            await LocalPostgres.CreateDatabaseAsync(await AdminConnectionStringAsync(server, ct), name, ct);
            await e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database.Resource, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        });
        return AsConnectionString(database);
    }

    /// <summary>
    /// Runs a step that prepares <paramref name="resource"/>; if it fails, says why in the console and stops the
    /// AppHost. Aspire would only write it to the resource's log and wait for the resource for ever, and everything
    /// that waits for it with it.
    /// </summary>
    private static async Task StopUnlessAsync(IServiceProvider services, string resource, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Pipelet.AppHost")
                .LogCritical("{Resource} cannot start, so the AppHost stops: {Reason}", resource, ex.Message);
            services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            throw;
        }
    }

    private static async Task<string> AdminConnectionStringAsync(IResourceWithConnectionString server, CancellationToken cancellationToken) =>
        await server.ConnectionStringExpression.GetValueAsync(cancellationToken)
            ?? throw new InvalidOperationException($"{server.Name} has no connection string.");

    /// <summary>Registers a health check answering healthy when <paramref name="probe"/> says true; returns its key.</summary>
    private static string AddCheck(IDistributedApplicationBuilder builder, string key, Func<CancellationToken, Task<bool>> probe)
    {
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async ct =>
        {
            try
            {
                return await probe(ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(ex.Message);
            }
        });
        return key;
    }

    private static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> resource, ServerCommand command)
        where T : IResourceWithEnvironment
    {
        foreach (var (key, value) in command.Environment)
        {
            if (value is not null) resource.WithEnvironment(key, value);
        }

        return resource;
    }

    private static IResourceBuilder<IResourceWithConnectionString> AsConnectionString<T>(IResourceBuilder<T> resource)
        where T : IResourceWithConnectionString =>
        resource.ApplicationBuilder.CreateResourceBuilder<IResourceWithConnectionString>(resource.Resource);

    /// <summary>True when the container runtime's CLI reaches a daemon within a few seconds.</summary>
    private static bool ContainerRuntimeAnswers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return false;
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such program
        }
    }
}
