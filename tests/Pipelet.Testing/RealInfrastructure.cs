using Xunit;

namespace Pipelet.Testing;

/// <summary>
/// Class fixture: a fresh RabbitMQ virtual host and a fresh PostgreSQL database for one test class,
/// on the process's shared real servers, removed when the class is done.
/// Use as <c>IClassFixture&lt;RealInfrastructure&gt;</c>.
/// </summary>
public sealed class RealInfrastructure : IAsyncLifetime
{
    private readonly List<string> _databases = [];
    private readonly List<string> _virtualHosts = [];
    private InfrastructureServers? _servers;

    public InfrastructureServers Servers => _servers ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>The class's own virtual host, as a <c>ConnectionStrings__rabbitmq</c> value.</summary>
    public string RabbitMqConnectionString { get; private set; } = "";

    /// <summary>The class's own database, as a <c>ConnectionStrings__&lt;db&gt;</c> value.</summary>
    public string PostgresConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _servers = await InfrastructureServers.SharedAsync();
        RabbitMqConnectionString = (await CreateVirtualHostAsync()).ToString();
        PostgresConnectionString = await CreateDatabaseAsync();
    }

    /// <summary>Another virtual host, removed with the fixture.</summary>
    public async Task<Uri> CreateVirtualHostAsync()
    {
        var name = "test-" + Guid.NewGuid().ToString("N")[..12];
        await Servers.CreateVirtualHostAsync(name);
        _virtualHosts.Add(name);
        return Servers.RabbitMqUri(name);
    }

    /// <summary>Another empty database, dropped with the fixture; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N")[..12];
        await LocalServers.PostgresServer.CreateDatabaseAsync(Servers.PostgresAdminConnectionString, name);
        _databases.Add(name);
        return new Npgsql.NpgsqlConnectionStringBuilder(Servers.PostgresAdminConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_servers is null) return;
        foreach (var vhost in _virtualHosts) await _servers.DeleteVirtualHostAsync(vhost);
        foreach (var database in _databases) await LocalServers.PostgresServer.DropDatabaseAsync(_servers.PostgresAdminConnectionString, database);
    }
}
