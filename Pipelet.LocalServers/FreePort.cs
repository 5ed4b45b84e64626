using System.Net;
using System.Net.Sockets;

namespace Pipelet.LocalServers;

public static class FreePort
{
    // Below the kernel's ephemeral range: an outgoing connection takes its local port from that range, so a port
    // chosen here cannot be taken by one between our choosing it and a server binding it (a port from bind(0) can).
    private const int Lowest = 20_000;
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A TCP port on loopback that nothing listens on right now, below the ephemeral range, and not handed out
    /// before by this process.
    /// </summary>
    public static int Next()
    {
        var highest = EphemeralLow() - 1;
        for (var attempt = 0; highest > Lowest && attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(Lowest, highest + 1);
            if (port == RabbitMqDistributionPort) continue;
            lock (HandedOut)
            {
                if (HandedOut.Contains(port) || !IsFree(port)) continue;
                HandedOut.Add(port);
                return port;
            }
        }

        // A system whose ephemeral range leaves no room below it: the kernel's choice, with the race it has.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // A developer's own RabbitMQ binds it when it starts.
    private const int RabbitMqDistributionPort = 25_672;

    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768; // Linux's default range starts here; other systems' start higher
        }
    }
}
