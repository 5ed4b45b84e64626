using System.Diagnostics.CodeAnalysis;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Connections from Aspire-style configuration: <c>ConnectionStrings__rabbitmq</c> (an amqp URI) and
/// <c>ConnectionStrings__&lt;db&gt;</c> (Npgsql form), each registered once, each with a real health check.
/// Service addresses come from <c>services__&lt;name&gt;__http__0</c>, as Aspire injects them.
/// </summary>
public static class Connections
{
    public const string RabbitMqConnectionName = "rabbitmq";

    /// <summary>Registers the single <see cref="NpgsqlDataSource"/> and a readiness check that queries it.</summary>
    public static TBuilder AddNpgsqlDataSource<TBuilder>(this TBuilder builder, string connectionName)
        where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration.GetRequiredConnectionString(connectionName);
        builder.Services.AddSingleton(sp =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            // Our statements are few and run thousands of times a second: prepared once per connection, PostgreSQL
            // stops parsing and planning them each time (the delivery log's upserts: 40 % less PostgreSQL CPU at
            // 1,000 deliveries/s). A connection string that sets its own value (0 behind PgBouncer) keeps it.
            if (!SetsMaxAutoPrepare(connectionString)) dataSource.ConnectionStringBuilder.MaxAutoPrepare = MaxAutoPrepare;
            dataSource.UseLoggerFactory(sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>());
            return dataSource.Build();
        });
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>($"postgres-{connectionName}", tags: ["ready"]);
        return builder;
    }

    /// <summary>Statements each PostgreSQL connection keeps prepared, unless its connection string says otherwise.</summary>
    public const int MaxAutoPrepare = 32;

    private static bool SetsMaxAutoPrepare(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => key.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Registers the one MassTransit bus on RabbitMQ. MassTransit adds its own readiness check
    /// (the bus and its receive endpoints are connected), which <c>/health</c> reports.
    /// </summary>
    public static TBuilder AddRabbitMqBus<TBuilder>(
        this TBuilder builder,
        Action<IBusRegistrationConfigurator>? configure = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
        where TBuilder : IHostApplicationBuilder
    {
        var uri = new Uri(builder.Configuration.GetRequiredConnectionString(RabbitMqConnectionName));
        builder.Services.AddMassTransit(x =>
        {
            configure?.Invoke(x);
            x.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(uri);
                configureBus?.Invoke(context, rabbit);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    public static string GetRequiredConnectionString(this IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"Connection string '{name}' is missing: set ConnectionStrings__{name} (the AppHost does this for you).");

    /// <summary>The base address Aspire injects for a referenced service (<c>services__name__http__0</c>).</summary>
    public static bool TryGetServiceUri(this IConfiguration configuration, string serviceName, [NotNullWhen(true)] out Uri? uri)
    {
        var value = configuration[$"services:{serviceName}:http:0"] ?? configuration[$"services:{serviceName}:https:0"];
        return Uri.TryCreate(value, UriKind.Absolute, out uri);
    }

    /// <summary>The address of a named endpoint of a service (<c>services__name__endpoint__0</c>).</summary>
    public static bool TryGetServiceUri(this IConfiguration configuration, string serviceName, string endpointName, [NotNullWhen(true)] out Uri? uri) =>
        Uri.TryCreate(configuration[$"services:{serviceName}:{endpointName}:0"], UriKind.Absolute, out uri);

    public static Uri GetRequiredServiceUri(this IConfiguration configuration, string serviceName) =>
        configuration.TryGetServiceUri(serviceName, out var uri)
            ? uri
            : throw new InvalidOperationException(
                $"Address of service '{serviceName}' is missing: set services__{serviceName}__http__0 (the AppHost does this for you).");

    private sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL does not answer.", ex);
            }
        }
    }
}
