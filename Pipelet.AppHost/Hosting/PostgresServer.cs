using System.Diagnostics;
using Npgsql;

namespace Pipelet.AppHost.Hosting;

/// <summary>
/// A private PostgreSQL cluster run from the machine's own binaries, listening on loopback only.
/// <c>initdb</c> refuses to run as root, so as root the cluster belongs to the <c>postgres</c> user.
/// The data folder survives restarts.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string User = "postgres";
    public const string Password = "postgres";
    private readonly ChildProcess _process;

    private PostgresServer(int port, ChildProcess process)
    {
        Port = port;
        _process = process;
    }

    public int Port { get; }

    public ChildProcess Process => _process;

    public static string InstallHint =>
        "PostgreSQL is not installed. Install it with: sudo apt-get install -y postgresql " +
        "(or point Pipelet at a server with ConnectionStrings__postgres=Host=...;Username=...;Password=...).";

    /// <summary>Connection string in the form Aspire gives <c>ConnectionStrings__&lt;db&gt;</c>.</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = User,
            Password = Password,
            Database = database,
        }.ConnectionString;

    /// <param name="durable">False skips fsync: for throw-away test clusters only.</param>
    public static async Task<PostgresServer> StartAsync(
        string dataDirectory,
        bool durable = true,
        Action<string>? output = null,
        CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory() ?? throw new MissingPrerequisiteException(InstallHint);
        dataDirectory = Path.GetFullPath(dataDirectory);
        var data = Path.Combine(dataDirectory, "data");
        var socket = Path.Combine(dataDirectory, "socket");
        Directory.CreateDirectory(dataDirectory);
        Directory.CreateDirectory(socket);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await Tool.RunAsync("chown", ["-R", "postgres:postgres", dataDirectory], cancellationToken: cancellationToken);
        }

        if (asRoot && !await PostgresUserCanEnterAsync(dataDirectory, cancellationToken))
        {
            throw new InvalidOperationException(
                $"The postgres user cannot reach {dataDirectory}: as root, PostgreSQL runs as that user, so every " +
                "folder above the data folder must let others enter it (chmod o+x), or choose another data folder.");
        }

        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            var passwordFile = Path.Combine(dataDirectory, "pwfile");
            await File.WriteAllTextAsync(passwordFile, Password, cancellationToken);
            if (asRoot) await Tool.RunAsync("chown", ["postgres:postgres", passwordFile], cancellationToken: cancellationToken);
            await Tool.RunAsync(
                asRoot ? "setpriv" : Path.Combine(bin, "initdb"),
                [.. AsPostgres(asRoot), .. asRoot ? [Path.Combine(bin, "initdb")] : Array.Empty<string>(),
                 "-D", data, "-U", User, "--pwfile", passwordFile, "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"],
                cancellationToken: cancellationToken);
            File.Delete(passwordFile);
        }

        var port = FreePort.Next();
        string[] arguments =
        [
            "-D", data, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", socket,
            "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "log_min_messages=warning",
            .. durable ? Array.Empty<string>() : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        ];
        var log = new LogTail(output);
        // SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to disconnect.
        var process = asRoot
            ? ChildProcess.Start("postgres", "setpriv", [.. AsPostgres(true), Path.Combine(bin, "postgres"), .. arguments], stopSignal: "INT", output: log.Add)
            : ChildProcess.Start("postgres", Path.Combine(bin, "postgres"), arguments, stopSignal: "INT", output: log.Add);

        var server = new PostgresServer(port, process);
        try
        {
            await server.WaitUntilReadyAsync(log, cancellationToken);
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
        CreateDatabaseAsync(ConnectionString(), name, cancellationToken);

    /// <summary>Creates the database on any server unless it exists.</summary>
    public static async Task CreateDatabaseAsync(string adminConnectionString, string name, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
        {
            Parameters = { new() { Value = name } },
        };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(name)}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Drops the database, closing whatever connections it still has.</summary>
    public static async Task DropDatabaseAsync(string adminConnectionString, string name, CancellationToken cancellationToken = default)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {QuoteIdentifier(name)} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task StopAsync() => StopAsync(TimeSpan.FromSeconds(8));

    /// <summary>Fast shutdown; the cluster is killed after <paramref name="grace"/>.</summary>
    public Task StopAsync(TimeSpan grace) => _process.StopAsync(grace);

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task WaitUntilReadyAsync(LogTail log, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"PostgreSQL exited during start-up (code {_process.ExitCode}):{Environment.NewLine}{log}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false;Timeout=2");
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                await Task.Delay(200, cancellationToken);
            }
        }

        throw new TimeoutException($"PostgreSQL did not start within 60 s:{Environment.NewLine}{log}");
    }

    private static async Task<bool> PostgresUserCanEnterAsync(string directory, CancellationToken cancellationToken)
    {
        try
        {
            await Tool.RunAsync("setpriv", [.. AsPostgres(true), "test", "-w", directory], cancellationToken: cancellationToken);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string[] AsPostgres(bool asRoot) =>
        asRoot ? ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : [];

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string? FindBinDirectory()
    {
        var overridden = Environment.GetEnvironmentVariable("PIPELET_POSTGRES_BIN");
        if (!string.IsNullOrEmpty(overridden)) return File.Exists(Path.Combine(overridden, "postgres")) ? overridden : null;
        if (!Directory.Exists("/usr/lib/postgresql")) return null;
        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "postgres")) && File.Exists(Path.Combine(d, "initdb")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
            .FirstOrDefault();
    }
}
