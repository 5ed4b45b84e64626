namespace Pipelet.AppHost.Hosting;

/// <summary>
/// RabbitMQ: an external broker or a private node from the machine's binaries with its data under
/// the data folder.
/// </summary>
public sealed class RabbitMQServerResource(string name, string? externalConnectionString)
    : ServerResource(name, externalConnectionString)
{
    private RabbitMqServer? _server;

    private protected override Task WaitForExternalAsync(string connectionString, CancellationToken cancellationToken) =>
        Reachability.WaitForAmqpAsync(new Uri(connectionString), Name, cancellationToken);

    private protected override async Task<string> StartPrivateAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        _server = await RabbitMqServer.StartAsync(Path.Combine(context.DataDirectory, Name), context.Logger.For(Name), cancellationToken);
        // Default virtual host, as Aspire gives it: amqp://user:password@host:port
        return $"amqp://guest:guest@localhost:{_server.Port}";
    }

    internal override Task? ProcessExited => _server?.Process.Exited;

    internal override Task StopAsync(TimeSpan grace) => _server?.StopAsync(grace) ?? Task.CompletedTask;

    internal override IEnumerable<ResourceUrl> DisplayUrls() =>
        [new(Reachability.WithoutCredentials(ConnectionString), IsExternal ? "external" : "private server")];
}
