using Npgsql;
using Pipelet.Testing;

namespace Pipelet.AppHost.Tests;

public sealed class InfrastructureTests(RealInfrastructure infrastructure, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<RealInfrastructure>
{
    [Fact]
    public void The_fixture_says_where_its_servers_come_from()
    {
        output.WriteLine(infrastructure.Servers.Source);
        Assert.NotEmpty(infrastructure.Servers.Source);
    }

    [Fact]
    public async Task The_database_of_the_class_accepts_queries()
    {
        await using var connection = new NpgsqlConnection(infrastructure.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        var name = (string?)await command.ExecuteScalarAsync();
        Assert.StartsWith("test_", name);
    }

    [Fact]
    public async Task The_virtual_host_of_the_class_speaks_amqp()
    {
        var uri = new Uri(infrastructure.RabbitMqConnectionString);
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        Assert.Contains("/test-", uri.AbsolutePath, StringComparison.Ordinal);
    }
}
