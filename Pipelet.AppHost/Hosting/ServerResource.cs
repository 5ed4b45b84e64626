namespace Pipelet.AppHost.Hosting;

/// <summary>
/// A server the services connect to: the one named by <c>ConnectionStrings__&lt;name&gt;</c> when the
/// AppHost is given one (we only wait for it to answer), otherwise a private one we start ourselves.
/// </summary>
public abstract class ServerResource(string name, string? externalConnectionString)
    : Resource(name), IResourceWithConnectionString
{
    private readonly string? _external = externalConnectionString;
    private string? _connectionString = externalConnectionString;

    public bool IsExternal => _external is not null;

    public string ConnectionString => _connectionString
        ?? throw new InvalidOperationException($"'{Name}' has not started: its connection string is not known yet.");

    internal sealed override async Task StartAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        if (_external is not null)
        {
            await WaitForExternalAsync(_external, cancellationToken);
            return;
        }

        _connectionString = await StartPrivateAsync(context, cancellationToken);
    }

    private protected abstract Task WaitForExternalAsync(string connectionString, CancellationToken cancellationToken);

    /// <returns>The private server's connection string.</returns>
    private protected abstract Task<string> StartPrivateAsync(ResourceContext context, CancellationToken cancellationToken);
}
