using DotNet.Testcontainers.Builders;
using Pipelet.LocalServers;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Pipelet.Testing;

/// <summary>
/// The RabbitMQ and PostgreSQL servers of one test process, started once and shared by every test
/// class. <c>PIPELET_TEST_RABBITMQ</c> (an amqp URI with admin rights, plus
/// <c>PIPELET_TEST_RABBITMQ_MANAGEMENT</c>, its management API base URL, for virtual hosts) and
/// <c>PIPELET_TEST_POSTGRES</c> (an admin connection string) name existing servers. Otherwise, when a
/// container engine answers, Testcontainers runs both; when none does (this machine, CI), private servers
/// are started from the machine's binaries (<see cref="LocalRabbitMq"/>, <see cref="LocalPostgres"/>, as the
/// AppHost runs them) in a temporary folder and stopped when the process exits (or killed by their guard if
/// it crashes). The private PostgreSQL skips fsync unless <c>PIPELET_BENCH=1</c>. <see cref="Source"/> and
/// the test output say which was used.
/// </summary>
public sealed class InfrastructureServers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static InfrastructureServers? _shared;

    private readonly RabbitMqServer? _rabbitMq;
    private readonly PostgresServer? _postgres;
    private readonly Uri? _externalRabbitMq;
    private readonly Uri? _externalManagement;
    private readonly string _workDirectory;
    private readonly RabbitMqContainer? _rabbitMqContainer;
    private readonly PostgreSqlContainer? _postgresContainer;

    private InfrastructureServers(RabbitMqContainer rabbitMq, PostgreSqlContainer postgres, string workDirectory)
        : this(null, new Uri(rabbitMq.GetConnectionString()), null, null, postgres.GetConnectionString(), workDirectory)
    {
        _rabbitMqContainer = rabbitMq;
        _postgresContainer = postgres;
        Source = "Testcontainers (RabbitMQ and PostgreSQL containers)";
    }

    private InfrastructureServers(RabbitMqServer? rabbitMq, Uri? externalRabbitMq, Uri? externalManagement, PostgresServer? postgres, string postgresAdmin, string workDirectory)
    {
        _rabbitMq = rabbitMq;
        _externalRabbitMq = externalRabbitMq;
        _externalManagement = externalManagement;
        _postgres = postgres;
        PostgresAdminConnectionString = postgresAdmin;
        _workDirectory = workDirectory;
    }

    public string PostgresAdminConnectionString { get; }

    /// <summary>Where the servers come from: the environment's, Testcontainers', or local Debian servers.</summary>
    public string Source { get; private init; } = "";

    /// <summary>The private broker, when this process started one (null for an external broker).</summary>
    public RabbitMqServer? PrivateRabbitMq => _rabbitMq;

    /// <summary>The private database server, when this process started one (null for an external server).</summary>
    public PostgresServer? PrivatePostgres => _postgres;

    public static async Task<InfrastructureServers> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _shared ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    public Uri RabbitMqUri(string virtualHost)
    {
        if (_rabbitMq is not null) return _rabbitMq.AmqpUri(virtualHost);
        var builder = new UriBuilder(_externalRabbitMq!) { Path = "/" + Uri.EscapeDataString(virtualHost) };
        return builder.Uri;
    }

    public async Task CreateVirtualHostAsync(string name)
    {
        if (_rabbitMq is not null)
        {
            await _rabbitMq.CreateVirtualHostAsync(name);
            return;
        }

        if (_rabbitMqContainer is not null)
        {
            var containerUser = Uri.UnescapeDataString(_externalRabbitMq!.UserInfo.Split(':')[0]);
            await RunInContainerAsync(["rabbitmqctl", "add_vhost", name]);
            await RunInContainerAsync(["rabbitmqctl", "set_permissions", "-p", name, containerUser, ".*", ".*", ".*"]);
            return;
        }

        using var http = ManagementClient();
        var vhost = Uri.EscapeDataString(name);
        (await http.PutAsync($"api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
        var user = Uri.UnescapeDataString(_externalRabbitMq!.UserInfo.Split(':')[0]);
        var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", System.Text.Encoding.UTF8, "application/json");
        (await http.PutAsync($"api/permissions/{vhost}/{Uri.EscapeDataString(user)}", permissions)).EnsureSuccessStatusCode();
    }

    public async Task DeleteVirtualHostAsync(string name)
    {
        if (_rabbitMq is not null)
        {
            await _rabbitMq.DeleteVirtualHostAsync(name);
            return;
        }

        if (_rabbitMqContainer is not null)
        {
            await RunInContainerAsync(["rabbitmqctl", "delete_vhost", name]);
            return;
        }

        using var http = ManagementClient();
        await http.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(name)}");
    }

    private async Task RunInContainerAsync(IList<string> command)
    {
        var result = await _rabbitMqContainer!.ExecAsync(command);
        if (result.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");
    }

    private HttpClient ManagementClient()
    {
        var baseUri = _externalManagement ?? throw new InvalidOperationException(
            "PIPELET_TEST_RABBITMQ is set without PIPELET_TEST_RABBITMQ_MANAGEMENT (e.g. http://guest:guest@localhost:15672/).");
        var http = new HttpClient { BaseAddress = new Uri(baseUri.GetLeftPart(UriPartial.Authority) + "/") };
        var credentials = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.UnescapeDataString(baseUri.UserInfo)));
        http.DefaultRequestHeaders.Authorization = new("Basic", credentials);
        return http;
    }

    private static async Task<InfrastructureServers> StartAsync()
    {
        TestHostThreadPool.ReturnBlockedWorkers();

        // Named after this process, so the next run can clean up after one that was killed.
        var work = WorkFolders.Create("pipelet-tests-").FullName;

        var rabbitUri = Environment.GetEnvironmentVariable("PIPELET_TEST_RABBITMQ");
        var management = Environment.GetEnvironmentVariable("PIPELET_TEST_RABBITMQ_MANAGEMENT");
        var postgresAdmin = Environment.GetEnvironmentVariable("PIPELET_TEST_POSTGRES");
        if (string.IsNullOrEmpty(rabbitUri) && string.IsNullOrEmpty(postgresAdmin) && await StartContainersAsync(work) is { } containers)
        {
            return Announce(containers);
        }

        var rabbitTask = string.IsNullOrEmpty(rabbitUri)
            ? RabbitMqServer.StartAsync(Path.Combine(work, "rabbitmq"))
            : Task.FromResult<RabbitMqServer>(null!);
        // Tests skip fsync (their clusters are thrown away); benchmarks (PIPELET_BENCH=1) pay for every commit
        // reaching the disk, as the delivery log and transaction ids do in production.
        var postgresTask = string.IsNullOrEmpty(postgresAdmin)
            ? PostgresServer.StartAsync(Path.Combine(work, "postgres"), durable: Environment.GetEnvironmentVariable("PIPELET_BENCH") == "1")
            : Task.FromResult<PostgresServer>(null!);

        try
        {
            await Task.WhenAll(rabbitTask, postgresTask);
        }
        catch
        {
            await StopQuietly(rabbitTask, postgresTask);
            throw;
        }

        var rabbit = string.IsNullOrEmpty(rabbitUri) ? rabbitTask.Result : null;
        var postgres = string.IsNullOrEmpty(postgresAdmin) ? postgresTask.Result : null;
        var servers = new InfrastructureServers(
            rabbit,
            string.IsNullOrEmpty(rabbitUri) ? null : new Uri(rabbitUri),
            string.IsNullOrEmpty(management) ? null : new Uri(management),
            postgres,
            postgres?.ConnectionString() ?? postgresAdmin!,
            work)
        {
            Source = rabbit is not null || postgres is not null ? "local Debian servers (Pipelet.LocalServers)" : "the servers named by PIPELET_TEST_*",
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => servers.StopAsync().GetAwaiter().GetResult();
        return Announce(servers);
    }

    /// <summary>Both servers in containers, or null when no container engine answers.</summary>
    private static async Task<InfrastructureServers?> StartContainersAsync(string work)
    {
        RabbitMqContainer rabbitMq;
        PostgreSqlContainer postgres;
        try
        {
            rabbitMq = new RabbitMqBuilder("rabbitmq:3.13-management").Build();
            postgres = new PostgreSqlBuilder("postgres:15").Build();
        }
        catch (DockerUnavailableException)
        {
            return null;
        }

        await Task.WhenAll(rabbitMq.StartAsync(), postgres.StartAsync());
        var servers = new InfrastructureServers(rabbitMq, postgres, work);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => servers.StopAsync().GetAwaiter().GetResult();
        return servers;
    }

    private static InfrastructureServers Announce(InfrastructureServers servers)
    {
        Console.WriteLine($"Pipelet.Testing: real infrastructure from {servers.Source}.");
        return servers;
    }

    private async Task StopAsync()
    {
        await Task.WhenAll(
            _rabbitMq?.StopAsync() ?? Task.CompletedTask,
            _postgres?.StopAsync() ?? Task.CompletedTask,
            _rabbitMqContainer?.DisposeAsync().AsTask() ?? Task.CompletedTask,
            _postgresContainer?.DisposeAsync().AsTask() ?? Task.CompletedTask);
        WorkFolders.TryDelete(_workDirectory);
    }

    private static async Task StopQuietly(Task<RabbitMqServer> rabbit, Task<PostgresServer> postgres)
    {
        if (rabbit.IsCompletedSuccessfully && rabbit.Result is { } r) await r.StopAsync();
        if (postgres.IsCompletedSuccessfully && postgres.Result is { } p) await p.StopAsync();
    }
}
