using Pipelet.LocalServers;

namespace Pipelet.AppHost.Infrastructure;

/// <summary>A private RabbitMQ node (Debian's <c>rabbitmq-server</c>) run by Aspire as an executable.</summary>
internal sealed class LocalRabbitMQResource(string name, ServerCommand command, int port)
    : ExecutableResource(name, command.FileName, command.WorkingDirectory), IResourceWithConnectionString
{
    public int Port => port;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{LocalRabbitMq.AmqpUri(port).ToString().TrimEnd('/')}");
}

/// <summary>A private PostgreSQL cluster (Debian's <c>postgres</c>) run by Aspire as an executable.</summary>
internal sealed class LocalPostgresResource(string name, ServerCommand command, int port)
    : ExecutableResource(name, command.FileName, command.WorkingDirectory), IResourceWithConnectionString
{
    public int Port => port;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{LocalPostgres.ConnectionString(port)}");
}

/// <summary>
/// A database on a PostgreSQL server that is not one of Aspire's containers (a local cluster or an external
/// server): healthy once it exists, created when it does not.
/// </summary>
internal sealed class PostgresDatabase(string name, string databaseName, IResourceWithConnectionString server)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    public string DatabaseName => databaseName;

    public IResourceWithConnectionString Parent => server;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{server.ConnectionStringExpression};Database={databaseName}");
}
