namespace Pipelet.AppHost.Hosting;

/// <summary>
/// RabbitMQ: the broker named by <c>ConnectionStrings__&lt;name&gt;</c> when the AppHost is given one,
/// otherwise a private node from the machine's binaries with its data under the data folder.
/// </summary>
public sealed class RabbitMQServerResource : Resource, IResourceWithConnectionString
{
    private readonly string? _external;
    private RabbitMqServer? _server;
    private string? _connectionString;

    public RabbitMQServerResource(string name, string? externalConnectionString)
        : base(name)
    {
        _external = externalConnectionString;
        _connectionString = externalConnectionString;
    }

    public bool IsExternal => _external is not null;

    public string ConnectionString => _connectionString
        ?? throw new InvalidOperationException($"'{Name}' has not started: its connection string is not known yet.");

    internal override async Task StartAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        if (_external is not null)
        {
            await Reachability.WaitForAmqpAsync(new Uri(_external), Name, cancellationToken);
            return;
        }

        _server = await RabbitMqServer.StartAsync(Path.Combine(context.DataDirectory, Name), context.Logger.For(Name), cancellationToken);
        // Default virtual host, as Aspire gives it: amqp://user:password@host:port
        _connectionString = $"amqp://guest:guest@localhost:{_server.Port}";
    }

    internal override Task? ProcessExited => _server?.Process.Exited;

    internal override Task StopAsync(TimeSpan grace) => _server?.StopAsync(grace) ?? Task.CompletedTask;

    internal override IEnumerable<ResourceUrl> DisplayUrls() =>
        [new(Reachability.WithoutCredentials(ConnectionString), IsExternal ? "external" : "private server")];
}
