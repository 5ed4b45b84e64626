using Microsoft.Extensions.Configuration;

namespace Pipelet.AppHost.Hosting;

/// <summary>RabbitMQ, PostgreSQL and parameters, named as in Aspire.Hosting.</summary>
public static class InfrastructureBuilderExtensions
{
    /// <summary>The broker of <c>ConnectionStrings__&lt;name&gt;</c> if the AppHost is given one, else a private one.</summary>
    public static IResourceBuilder<RabbitMQServerResource> AddRabbitMQ(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new RabbitMQServerResource(name, ConnectionStringOrNull(builder, name)));

    /// <summary>The server of <c>ConnectionStrings__&lt;name&gt;</c> if the AppHost is given one, else a private one.</summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new PostgresServerResource(name, ConnectionStringOrNull(builder, name)));

    /// <summary>A database on the server, created when it is missing; ready once it exists.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        database.AddWaitFor(server.Resource);
        return server.ApplicationBuilder.AddResource(database);
    }

    /// <summary>
    /// A secret from the AppHost's setting <paramref name="configurationKey"/> when given, otherwise
    /// generated once and kept in the data folder.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddGeneratedSecret(
        this IDistributedApplicationBuilder builder, string name, string configurationKey) =>
        builder.AddResource(new ParameterResource(name, configurationKey,
            builder.Configuration[configurationKey] is { Length: > 0 } value ? value : null));

    private static string? ConnectionStringOrNull(IDistributedApplicationBuilder builder, string name) =>
        builder.Configuration.GetConnectionString(name) is { Length: > 0 } value ? value : null;
}
