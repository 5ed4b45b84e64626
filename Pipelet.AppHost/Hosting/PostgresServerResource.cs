namespace Pipelet.AppHost.Hosting;

/// <summary>
/// PostgreSQL: an external server (an admin connection string) or a private cluster from the
/// machine's binaries with its data under the data folder. <see cref="ServerResource.ConnectionString"/>
/// is an admin connection string (database <c>postgres</c>).
/// </summary>
public sealed class PostgresServerResource(string name, string? externalConnectionString)
    : ServerResource(name, externalConnectionString)
{
    private PostgresServer? _server;

    private protected override Task WaitForExternalAsync(string connectionString, CancellationToken cancellationToken) =>
        Reachability.WaitForPostgresAsync(connectionString, Name, cancellationToken);

    private protected override async Task<string> StartPrivateAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        _server = await PostgresServer.StartAsync(Path.Combine(context.DataDirectory, Name), output: context.Logger.For(Name), cancellationToken: cancellationToken);
        return _server.ConnectionString();
    }

    internal override Task? ProcessExited => _server?.Process.Exited;

    internal override Task StopAsync(TimeSpan grace) => _server?.StopAsync(grace) ?? Task.CompletedTask;

    internal override IEnumerable<ResourceUrl> DisplayUrls() =>
        [new(Reachability.PostgresDisplayUrl(ConnectionString), IsExternal ? "external" : "private server")];
}
