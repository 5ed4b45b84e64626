namespace Pipelet.LocalServers;

/// <summary>
/// A <see cref="LocalRabbitMq"/> node run as our own child processes (epmd and the node), for tests.
/// Data lives under the given folder and survives restarts.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private readonly RabbitMqPorts _ports;
    private readonly ChildProcess _epmd;
    private readonly ChildProcess _node;

    private RabbitMqServer(string dataDirectory, RabbitMqPorts ports, ChildProcess epmd, ChildProcess node)
    {
        _dataDirectory = dataDirectory;
        _ports = ports;
        _epmd = epmd;
        _node = node;
    }

    public int Port => _ports.Amqp;

    public ChildProcess Process => _node;

    /// <summary>Connection string in the form Aspire gives <c>ConnectionStrings__rabbitmq</c>.</summary>
    public Uri AmqpUri(string virtualHost = "/") => LocalRabbitMq.AmqpUri(Port, virtualHost);

    public static string InstallHint => LocalRabbitMq.InstallHint;

    public static async Task<RabbitMqServer> StartAsync(string dataDirectory, Action<string>? output = null, CancellationToken cancellationToken = default)
    {
        // A port found free can still be taken before the node binds it: FreePort keeps outgoing connections off it,
        // but another process on the machine (a parallel test run) may choose and bind the same one. The node then
        // fails with "dist_port_already_used" or eaddrinuse: then again, on fresh ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartAsync(dataDirectory, RabbitMqPorts.Free(), output, cancellationToken);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && LostAPort(ex.Message))
            {
            }
        }
    }

    private static bool LostAPort(string startupLog) =>
        startupLog.Contains("dist_port_already_used", StringComparison.Ordinal) || startupLog.Contains("eaddrinuse", StringComparison.Ordinal);

    private static async Task<RabbitMqServer> StartAsync(string dataDirectory, RabbitMqPorts ports, Action<string>? output, CancellationToken cancellationToken)
    {
        var epmdCommand = LocalRabbitMq.Epmd(dataDirectory, ports.Epmd);
        var nodeCommand = LocalRabbitMq.Node(dataDirectory, ports);

        // Our own port mapper, as our child, so that stopping the node leaves no daemon behind.
        var epmd = ChildProcess.Start("epmd", epmdCommand, output: output);
        var log = new LogTail(output);
        try
        {
            // The node needs the port mapper listening (it starts none of its own), as the AppHost's WaitFor has it.
            await epmd.WaitUntilAnsweringAsync("epmd", ct => LocalRabbitMq.EpmdAnswersAsync("127.0.0.1", ports.Epmd, ct), TimeSpan.FromSeconds(30), () => "", cancellationToken);
        }
        catch
        {
            await epmd.DisposeAsync();
            throw;
        }

        var node = ChildProcess.Start("rabbitmq", nodeCommand, output: log.Add);
        var result = new RabbitMqServer(nodeCommand.WorkingDirectory, ports, epmd, node);
        try
        {
            await node.WaitUntilAnsweringAsync("RabbitMQ", ct => LocalRabbitMq.SpeaksAmqpAsync("127.0.0.1", ports.Amqp, ct), TimeSpan.FromSeconds(90), log.ToString, cancellationToken);
            // The listener can answer a moment before the node marks its 'rabbit' app as running, and
            // rabbitmqctl commands (add_vhost) are refused until then.
            await result.RunCtlAsync(["await_startup", "--timeout", "60"], cancellationToken);
            return result;
        }
        catch
        {
            await result.DisposeAsync();
            throw;
        }
    }

    public async Task CreateVirtualHostAsync(string name, CancellationToken cancellationToken = default)
    {
        await RunCtlAsync(["add_vhost", name], cancellationToken);
        await RunCtlAsync(["set_permissions", "-p", name, LocalRabbitMq.User, ".*", ".*", ".*"], cancellationToken);
    }

    public Task DeleteVirtualHostAsync(string name, CancellationToken cancellationToken = default) =>
        RunCtlAsync(["delete_vhost", name], cancellationToken);

    /// <summary>Runs a <c>rabbitmqctl</c> command against this node.</summary>
    public Task RunCtlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        LocalRabbitMq.RunCtlAsync(_dataDirectory, _ports, arguments, cancellationToken);

    public Task StopAsync() => StopAsync(TimeSpan.FromSeconds(8));

    /// <summary>Stops the node, killing it after <paramref name="grace"/>, then its port mapper.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        await _node.StopAsync(grace);
        await _epmd.StopAsync(TimeSpan.FromSeconds(1));
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
