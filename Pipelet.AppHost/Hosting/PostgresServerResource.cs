namespace Pipelet.AppHost.Hosting;

/// <summary>
/// PostgreSQL: the server named by <c>ConnectionStrings__&lt;name&gt;</c> (an admin connection string)
/// when the AppHost is given one, otherwise a private cluster from the machine's binaries with its
/// data under the data folder.
/// </summary>
public sealed class PostgresServerResource : Resource, IResourceWithConnectionString
{
    private readonly string? _external;
    private PostgresServer? _server;
    private string? _connectionString;

    public PostgresServerResource(string name, string? externalConnectionString)
        : base(name)
    {
        _external = externalConnectionString;
        _connectionString = externalConnectionString;
    }

    public bool IsExternal => _external is not null;

    /// <summary>Admin connection string (database <c>postgres</c>).</summary>
    public string ConnectionString => _connectionString
        ?? throw new InvalidOperationException($"'{Name}' has not started: its connection string is not known yet.");

    internal override async Task StartAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        if (_external is not null)
        {
            await Reachability.WaitForPostgresAsync(_external, Name, cancellationToken);
            return;
        }

        _server = await PostgresServer.StartAsync(Path.Combine(context.DataDirectory, Name), output: context.Logger.For(Name), cancellationToken: cancellationToken);
        _connectionString = _server.ConnectionString();
    }

    internal override Task? ProcessExited => _server?.Process.Exited;

    internal override Task StopAsync(TimeSpan grace) => _server?.StopAsync(grace) ?? Task.CompletedTask;

    internal override IEnumerable<ResourceUrl> DisplayUrls() =>
        [new(Reachability.PostgresDisplayUrl(ConnectionString), IsExternal ? "external" : "private server")];
}
