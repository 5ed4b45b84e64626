using System.Net;
using System.Net.Sockets;

namespace Pipelet.Webhooks;

/// <summary>
/// The SSRF rule: a webhook may only reach public addresses, unless private networks are allowed
/// (local development). Applied when a webhook is saved and again at connect time, on the address
/// actually dialled, so DNS rebinding cannot slip past it.
/// </summary>
public static class NetworkAddressPolicy
{
    private static readonly IPNetwork[] BlockedV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this" network
        IPNetwork.Parse("10.0.0.0/8"),       // private
        IPNetwork.Parse("100.64.0.0/10"),    // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),      // loopback
        IPNetwork.Parse("169.254.0.0/16"),   // link-local, cloud metadata
        IPNetwork.Parse("172.16.0.0/12"),    // private
        IPNetwork.Parse("192.0.0.0/24"),     // IETF protocol assignments
        IPNetwork.Parse("192.168.0.0/16"),   // private
        IPNetwork.Parse("198.18.0.0/15"),    // benchmarking
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved, broadcast
    ];

    private static readonly IPNetwork[] BlockedV6 =
    [
        IPNetwork.Parse("::/128"),           // unspecified
        IPNetwork.Parse("::1/128"),          // loopback
        IPNetwork.Parse("64:ff9b::/96"),     // NAT64 (embeds IPv4)
        IPNetwork.Parse("fc00::/7"),         // unique local
        IPNetwork.Parse("fe80::/10"),        // link-local
        IPNetwork.Parse("ff00::/8"),         // multicast
    ];

    /// <summary>True when the address is public (or private networks are allowed).</summary>
    public static bool IsAllowed(IPAddress address, bool allowPrivateNetworks)
    {
        if (allowPrivateNetworks) return true;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var blocked = address.AddressFamily == AddressFamily.InterNetwork ? BlockedV4 : BlockedV6;
        return !blocked.Any(network => network.Contains(address));
    }

    /// <summary>
    /// Resolves the host and keeps the addresses we may call; an empty result means the host is
    /// refused. Throws <see cref="SocketException"/> when the name does not resolve.
    /// </summary>
    public static async Task<IPAddress[]> ResolveAllowedAsync(string host, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        return addresses.Where(a => IsAllowed(a, allowPrivateNetworks)).ToArray();
    }
}
