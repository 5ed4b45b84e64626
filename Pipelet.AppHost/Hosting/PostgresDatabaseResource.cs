using Npgsql;

namespace Pipelet.AppHost.Hosting;

/// <summary>A database on a PostgreSQL server, created at start unless it exists.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Parent { get; } = parent;

    /// <summary>The parent's connection string with this database (Npgsql form, as Aspire gives it).</summary>
    public string ConnectionString =>
        new NpgsqlConnectionStringBuilder(Parent.ConnectionString) { Database = DatabaseName }.ConnectionString;

    internal override Task StartAsync(ResourceContext context, CancellationToken cancellationToken) =>
        PostgresServer.CreateDatabaseAsync(Parent.ConnectionString, DatabaseName, cancellationToken);

    internal override Task StopAsync(TimeSpan grace) => Task.CompletedTask;

    internal override IEnumerable<ResourceUrl> DisplayUrls() =>
        [new(Reachability.PostgresDisplayUrl(ConnectionString))];
}
