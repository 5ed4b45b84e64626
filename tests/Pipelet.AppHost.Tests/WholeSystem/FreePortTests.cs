using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Pipelet.LocalServers;

namespace Pipelet.AppHost.Tests.WholeSystem;

/// <summary>
/// The ports our local servers and test runs bind are chosen below the kernel's ephemeral range: a port taken from
/// that range can be taken by another process's outgoing connection before the server binds it (seen in CI as
/// "Address already in use" and RabbitMQ's <c>dist_port_already_used</c>).
/// </summary>
public sealed class FreePortTests
{
    [Fact]
    public void Ports_are_free_distinct_and_below_the_range_outgoing_connections_use()
    {
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);
        var ports = Enumerable.Range(0, 50).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, 1024, ephemeralLow - 1));
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start(); // nothing took it
    }
}
