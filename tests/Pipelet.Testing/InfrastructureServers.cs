using Pipelet.LocalServers;

namespace Pipelet.Testing;

/// <summary>
/// The RabbitMQ and PostgreSQL servers of one test process, started once and shared by every test
/// class. <c>PIPELET_TEST_RABBITMQ</c> (an amqp URI with admin rights, plus
/// <c>PIPELET_TEST_RABBITMQ_MANAGEMENT</c>, its management API base URL, for virtual hosts) and
/// <c>PIPELET_TEST_POSTGRES</c> (an admin connection string) name existing servers; otherwise private
/// servers are started from the machine's binaries in a temporary folder and stopped when the
/// process exits (or killed by their guard if it crashes). The private PostgreSQL skips fsync unless
/// <c>PIPELET_BENCH=1</c>.
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

        using var http = ManagementClient();
        await http.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(name)}");
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
        // Named after this process, so the next run can clean up after one that was killed.
        var work = WorkFolders.Create("pipelet-tests-").FullName;

        var rabbitUri = Environment.GetEnvironmentVariable("PIPELET_TEST_RABBITMQ");
        var management = Environment.GetEnvironmentVariable("PIPELET_TEST_RABBITMQ_MANAGEMENT");
        var postgresAdmin = Environment.GetEnvironmentVariable("PIPELET_TEST_POSTGRES");

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
            work);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => servers.StopAsync().GetAwaiter().GetResult();
        return servers;
    }

    private async Task StopAsync()
    {
        await Task.WhenAll(
            _rabbitMq?.StopAsync() ?? Task.CompletedTask,
            _postgres?.StopAsync() ?? Task.CompletedTask);
        WorkFolders.TryDelete(_workDirectory);
    }

    private static async Task StopQuietly(Task<RabbitMqServer> rabbit, Task<PostgresServer> postgres)
    {
        if (rabbit.IsCompletedSuccessfully && rabbit.Result is { } r) await r.StopAsync();
        if (postgres.IsCompletedSuccessfully && postgres.Result is { } p) await p.StopAsync();
    }
}
