using System.Diagnostics;
using System.Net.Sockets;

namespace Pipelet.AppHost.Hosting;

/// <summary>
/// A private RabbitMQ node run from the machine's own Debian package: its own node name, ports,
/// Erlang port mapper and data folder, so it never meets a system broker or another instance.
/// Data lives under the given folder and survives restarts.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private const string BinDirectory = "/usr/lib/rabbitmq/bin";
    private const string NodeName = "pipelet@localhost";
    private readonly ChildProcess _epmd;
    private readonly ChildProcess _node;
    private readonly Dictionary<string, string?> _environment;

    private RabbitMqServer(int port, ChildProcess epmd, ChildProcess node, Dictionary<string, string?> environment)
    {
        Port = port;
        _epmd = epmd;
        _node = node;
        _environment = environment;
    }

    public int Port { get; }

    public ChildProcess Process => _node;

    /// <summary>Connection string in the form Aspire gives <c>ConnectionStrings__rabbitmq</c>.</summary>
    public Uri AmqpUri(string virtualHost = "/") =>
        new($"amqp://guest:guest@localhost:{Port}/{Uri.EscapeDataString(virtualHost)}");

    public static string InstallHint =>
        "RabbitMQ is not installed. Install it with: sudo apt-get install -y rabbitmq-server " +
        "(or point Pipelet at a broker with ConnectionStrings__rabbitmq=amqp://user:pass@host:5672/).";

    public static async Task<RabbitMqServer> StartAsync(string dataDirectory, Action<string>? output = null, CancellationToken cancellationToken = default)
    {
        var server = Path.Combine(BinDirectory, "rabbitmq-server");
        var epmdPath = FindEpmd();
        if (!File.Exists(server) || epmdPath is null)
        {
            throw new MissingPrerequisiteException(InstallHint);
        }

        dataDirectory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var pluginsFile = Path.Combine(dataDirectory, "enabled_plugins");
        if (!File.Exists(pluginsFile))
        {
            await File.WriteAllTextAsync(pluginsFile, "[].", cancellationToken);
        }

        var port = FreePort.Next();
        var epmdPort = FreePort.Next();
        var environment = new Dictionary<string, string?>
        {
            // The Erlang cookie is read from $HOME: keep it inside our folder.
            ["HOME"] = dataDirectory,
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = Text(port),
            ["RABBITMQ_DIST_PORT"] = Text(FreePort.Next()),
            ["ERL_EPMD_PORT"] = Text(epmdPort),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dataDirectory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dataDirectory, "log"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = pluginsFile,
            ["RABBITMQ_PID_FILE"] = Path.Combine(dataDirectory, "rabbitmq.pid"),
            ["RABBITMQ_CONFIG_FILE"] = null,
        };

        // Our own port mapper, as our child, so that stopping the node leaves no daemon behind.
        var epmd = ChildProcess.Start("epmd", epmdPath, ["-port", Text(epmdPort)], output: output);
        var log = new LogTail(output);
        var node = ChildProcess.Start("rabbitmq", server, [], environment, dataDirectory, output: log.Add);
        var result = new RabbitMqServer(port, epmd, node, environment);
        try
        {
            await WaitUntilReadyAsync(port, node, log, cancellationToken);
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

    public Task CreateVirtualHostAsync(string name, CancellationToken cancellationToken = default) =>
        CreateVirtualHostCoreAsync(name, cancellationToken);

    public Task DeleteVirtualHostAsync(string name, CancellationToken cancellationToken = default) =>
        RunCtlAsync(["delete_vhost", name], cancellationToken);

    /// <summary>Runs a <c>rabbitmqctl</c> command against this node.</summary>
    public Task RunCtlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        Tool.RunAsync(Path.Combine(BinDirectory, "rabbitmqctl"), ["-n", NodeName, .. arguments], _environment, cancellationToken);

    private async Task CreateVirtualHostCoreAsync(string name, CancellationToken cancellationToken)
    {
        await RunCtlAsync(["add_vhost", name], cancellationToken);
        await RunCtlAsync(["set_permissions", "-p", name, "guest", ".*", ".*", ".*"], cancellationToken);
    }

    public Task StopAsync() => StopAsync(TimeSpan.FromSeconds(8));

    /// <summary>Stops the node, killing it after <paramref name="grace"/>, then its port mapper.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        await _node.StopAsync(grace);
        await _epmd.StopAsync(TimeSpan.FromSeconds(1));
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static async Task WaitUntilReadyAsync(int port, ChildProcess node, LogTail log, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(90))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (node.HasExited)
            {
                throw new InvalidOperationException($"RabbitMQ exited during start-up (code {node.ExitCode}):{Environment.NewLine}{log}");
            }

            if (await SpeaksAmqpAsync(port, cancellationToken))
            {
                return;
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"RabbitMQ did not start within 90 s:{Environment.NewLine}{log}");
    }

    /// <summary>Ready means the listener answers an AMQP 0-9-1 protocol header with a method frame.</summary>
    private static async Task<bool> SpeaksAmqpAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray(), timeout.Token);
            var buffer = new byte[1];
            return await stream.ReadAsync(buffer, timeout.Token) == 1 && buffer[0] == 1;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string? FindEpmd() =>
        new[] { "/usr/bin/epmd", "/usr/lib/erlang/bin/epmd" }.FirstOrDefault(File.Exists);

    private static string Text(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
