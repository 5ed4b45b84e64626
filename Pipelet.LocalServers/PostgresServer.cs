namespace Pipelet.LocalServers;

/// <summary>A <see cref="LocalPostgres"/> cluster run as our own child process, for tests.</summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string User = LocalPostgres.User;
    public const string Password = LocalPostgres.Password;
    private readonly ChildProcess _process;

    private PostgresServer(int port, ChildProcess process)
    {
        Port = port;
        _process = process;
    }

    public int Port { get; }

    public ChildProcess Process => _process;

    public static string InstallHint => LocalPostgres.InstallHint;

    /// <summary>Connection string in the form Aspire gives <c>ConnectionStrings__&lt;db&gt;</c>.</summary>
    public string ConnectionString(string database = "postgres") => LocalPostgres.ConnectionString(Port, database);

    /// <param name="durable">False skips fsync: for throw-away test clusters only.</param>
    public static async Task<PostgresServer> StartAsync(
        string dataDirectory,
        bool durable = true,
        Action<string>? output = null,
        CancellationToken cancellationToken = default)
    {
        var port = FreePort.Next();
        await LocalPostgres.InitializeAsync(dataDirectory, cancellationToken);
        var command = LocalPostgres.Server(dataDirectory, port, durable);
        var log = new LogTail(output);
        // SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to disconnect.
        var server = new PostgresServer(port, ChildProcess.Start("postgres", command, stopSignal: "INT", output: log.Add));
        try
        {
            await server._process.WaitUntilAnsweringAsync("PostgreSQL", ct => LocalPostgres.AcceptsConnectionsAsync(server.ConnectionString(), ct), TimeSpan.FromSeconds(60), log.ToString, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates the database unless it exists.</summary>
    public Task CreateDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        LocalPostgres.CreateDatabaseAsync(ConnectionString(), name, cancellationToken);

    /// <summary>Creates the database on any server unless it exists.</summary>
    public static Task CreateDatabaseAsync(string adminConnectionString, string name, CancellationToken cancellationToken = default) =>
        LocalPostgres.CreateDatabaseAsync(adminConnectionString, name, cancellationToken);

    /// <summary>Drops the database, closing whatever connections it still has.</summary>
    public static Task DropDatabaseAsync(string adminConnectionString, string name, CancellationToken cancellationToken = default) =>
        LocalPostgres.DropDatabaseAsync(adminConnectionString, name, cancellationToken);

    public Task StopAsync() => StopAsync(TimeSpan.FromSeconds(8));

    /// <summary>Fast shutdown; the cluster is killed after <paramref name="grace"/>.</summary>
    public Task StopAsync(TimeSpan grace) => _process.StopAsync(grace);

    public ValueTask DisposeAsync() => new(StopAsync());
}
