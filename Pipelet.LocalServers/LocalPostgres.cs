using System.Globalization;
using Npgsql;

namespace Pipelet.LocalServers;

/// <summary>
/// A private PostgreSQL cluster from the machine's own binaries, listening on loopback only.
/// PostgreSQL refuses to run as root, so as root the cluster belongs to the <c>postgres</c> user and runs
/// through <c>setpriv</c>. The data folder survives restarts.
/// </summary>
public static class LocalPostgres
{
    public const string User = "postgres";
    public const string Password = "postgres";

    public static string InstallHint =>
        "PostgreSQL is not installed. Install it with: sudo apt-get install -y postgresql " +
        "(or point Pipelet at a server with ConnectionStrings__postgres=Host=...;Username=...;Password=...).";

    /// <summary>Throws <see cref="MissingPrerequisiteException"/> unless the server binaries are installed.</summary>
    public static void EnsureInstalled() => _ = FindBinDirectory() ?? throw new MissingPrerequisiteException(InstallHint);

    /// <summary>Connection string in the form Aspire gives <c>ConnectionStrings__&lt;db&gt;</c>.</summary>
    public static string ConnectionString(int port, string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = User,
            Password = Password,
            Database = database,
        }.ConnectionString;

    /// <summary>The server on <paramref name="port"/>; <see cref="InitializeAsync"/> must have prepared its folder.</summary>
    /// <param name="durable">False skips fsync: for throw-away test clusters only.</param>
    public static ServerCommand Server(string dataDirectory, int port, bool durable = true)
    {
        var bin = FindBinDirectory() ?? throw new MissingPrerequisiteException(InstallHint);
        dataDirectory = Path.GetFullPath(dataDirectory);
        string[] server =
        [
            Path.Combine(bin, "postgres"),
            "-D", Path.Combine(dataDirectory, "data"), "-p", port.ToString(CultureInfo.InvariantCulture), "-k", Path.Combine(dataDirectory, "socket"),
            "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "log_min_messages=warning",
            .. durable ? Array.Empty<string>() : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        ];
        return RunsAsRoot
            ? new ServerCommand("setpriv", [.. AsPostgres(true), .. server], new Dictionary<string, string?>(), dataDirectory)
            : new ServerCommand(server[0], server[1..], new Dictionary<string, string?>(), dataDirectory);
    }

    /// <summary>Creates the data folder, and the cluster in it unless one is there (as root, owned by postgres).</summary>
    public static async Task InitializeAsync(string dataDirectory, CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory() ?? throw new MissingPrerequisiteException(InstallHint);
        dataDirectory = Path.GetFullPath(dataDirectory);
        var data = Path.Combine(dataDirectory, "data");
        Directory.CreateDirectory(dataDirectory);
        Directory.CreateDirectory(Path.Combine(dataDirectory, "socket"));
        var asRoot = RunsAsRoot;
        if (asRoot)
        {
            await Tool.RunAsync("chown", ["-R", "postgres:postgres", dataDirectory], cancellationToken: cancellationToken);
            if (!await PostgresUserCanEnterAsync(dataDirectory, cancellationToken))
            {
                throw new InvalidOperationException(
                    $"The postgres user cannot reach {dataDirectory}: as root, PostgreSQL runs as that user, so every " +
                    "folder above the data folder must let others enter it (chmod o+x), or choose another data folder.");
            }
        }

        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            var passwordFile = Path.Combine(dataDirectory, "pwfile");
            await File.WriteAllTextAsync(passwordFile, Password, cancellationToken);
            if (asRoot) await Tool.RunAsync("chown", ["postgres:postgres", passwordFile], cancellationToken: cancellationToken);
            string[] initdb = [Path.Combine(bin, "initdb"), "-D", data, "-U", User, "--pwfile", passwordFile, "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"];
            await Tool.RunAsync(asRoot ? "setpriv" : initdb[0], [.. AsPostgres(asRoot), .. asRoot ? initdb : initdb[1..]], cancellationToken: cancellationToken);
            File.Delete(passwordFile);
        }
    }

    /// <summary>True once the server accepts a login.</summary>
    public static async Task<bool> AcceptsConnectionsAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false;Timeout=2");
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

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

    private static bool RunsAsRoot => Environment.UserName == "root";

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
