using System.Globalization;
using System.Net.Sockets;

namespace Pipelet.LocalServers;

/// <summary>
/// A private RabbitMQ node from the machine's own Debian package: its own node name, ports, Erlang port
/// mapper (<c>epmd</c>, run in the foreground so that whoever started it also stops it) and data folder,
/// so it never meets a system broker or another instance, and listens on loopback only.
/// </summary>
public static class LocalRabbitMq
{
    public const string NodeName = "pipelet@localhost";
    public const string User = "guest";
    public const string Password = "guest";
    private const string BinDirectory = "/usr/lib/rabbitmq/bin";

    public static string InstallHint =>
        "RabbitMQ is not installed. Install it with: sudo apt-get install -y rabbitmq-server " +
        "(or point Pipelet at a broker with ConnectionStrings__rabbitmq=amqp://user:pass@host:5672/).";

    /// <summary>Throws <see cref="MissingPrerequisiteException"/> unless the server and epmd are installed.</summary>
    public static void EnsureInstalled()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "rabbitmq-server")) || FindEpmd() is null)
        {
            throw new MissingPrerequisiteException(InstallHint);
        }
    }

    /// <summary>Connection string in the form Aspire gives <c>ConnectionStrings__rabbitmq</c>.</summary>
    public static Uri AmqpUri(int port, string virtualHost = "/") =>
        new($"amqp://{User}:{Password}@localhost:{port}/{Uri.EscapeDataString(virtualHost)}");

    /// <summary>The Erlang port mapper on <paramref name="epmdPort"/>, loopback only, in the foreground.</summary>
    public static ServerCommand Epmd(string dataDirectory, int epmdPort)
    {
        EnsureInstalled();
        return new ServerCommand(
            FindEpmd()!,
            ["-port", Text(epmdPort)],
            new Dictionary<string, string?> { ["ERL_EPMD_ADDRESS"] = "127.0.0.1" },
            Path.GetFullPath(dataDirectory));
    }

    /// <summary>
    /// The node itself, logging to its output. Creates the data folder; the node expects the
    /// <see cref="Epmd"/> of <paramref name="ports"/> to be listening before it starts.
    /// </summary>
    public static ServerCommand Node(string dataDirectory, RabbitMqPorts ports)
    {
        EnsureInstalled();
        dataDirectory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var pluginsFile = Path.Combine(dataDirectory, "enabled_plugins");
        if (!File.Exists(pluginsFile))
        {
            File.WriteAllText(pluginsFile, "[].");
        }

        return new ServerCommand(Path.Combine(BinDirectory, "rabbitmq-server"), [], Environment(dataDirectory, ports), dataDirectory);
    }

    /// <summary>Runs a <c>rabbitmqctl</c> command against the node of <paramref name="dataDirectory"/>.</summary>
    public static Task RunCtlAsync(string dataDirectory, RabbitMqPorts ports, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        Tool.RunAsync(Path.Combine(BinDirectory, "rabbitmqctl"), ["-n", NodeName, .. arguments], Environment(Path.GetFullPath(dataDirectory), ports), cancellationToken);

    /// <summary>Ready means the listener answers an AMQP 0-9-1 protocol header with a method frame.</summary>
    public static Task<bool> SpeaksAmqpAsync(string host, int port, CancellationToken cancellationToken) =>
        AnswersAsync(host, port, "AMQP\0\0\u0009\u0001"u8.ToArray(), 1, reply => reply[0] == 1, cancellationToken);

    /// <summary>True once the port mapper answers a NAMES request (its reply starts with its own port, 4 bytes).</summary>
    public static Task<bool> EpmdAnswersAsync(string host, int port, CancellationToken cancellationToken) =>
        AnswersAsync(host, port, [0, 1, (byte)'n'], 4, // length 1, NAMES_REQ
            reply => reply[0] == 0 && reply[1] == 0 && (reply[2] << 8 | reply[3]) == port, cancellationToken);

    /// <summary>Sends <paramref name="request"/> and judges the first <paramref name="replyLength"/> bytes of the answer, within 2 s.</summary>
    private static async Task<bool> AnswersAsync(string host, int port, byte[] request, int replyLength, Func<byte[], bool> isReady, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(host, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(request, timeout.Token);
            var reply = new byte[replyLength];
            await stream.ReadExactlyAsync(reply, timeout.Token);
            return isReady(reply);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static Dictionary<string, string?> Environment(string dataDirectory, RabbitMqPorts ports) => new()
    {
        // The Erlang cookie is read from $HOME: keep it inside our folder.
        ["HOME"] = dataDirectory,
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = Text(ports.Amqp),
        ["RABBITMQ_DIST_PORT"] = Text(ports.Distribution),
        ["ERL_EPMD_PORT"] = Text(ports.Epmd),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        // Every erl (the node, rabbitmqctl) uses our port mapper and never starts one of its own: an erl that finds
        // none would start `epmd -daemon`, which outlives everything (seen when a node started before our epmd
        // listened, or a rabbitmqctl ran after it stopped).
        ["ERL_FLAGS"] = "-start_epmd false",
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dataDirectory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(dataDirectory, "log"),
        ["RABBITMQ_LOGS"] = "-",
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dataDirectory, "enabled_plugins"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(dataDirectory, "rabbitmq.pid"),
        ["RABBITMQ_CONFIG_FILE"] = null,
    };

    private static string? FindEpmd() =>
        new[] { "/usr/bin/epmd", "/usr/lib/erlang/bin/epmd" }.FirstOrDefault(File.Exists);

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The three ports a private node uses: AMQP for clients, Erlang distribution and the port mapper for its tools.</summary>
public sealed record RabbitMqPorts(int Amqp, int Distribution, int Epmd)
{
    public static RabbitMqPorts Free() => new(FreePort.Next(), FreePort.Next(), FreePort.Next());
}
