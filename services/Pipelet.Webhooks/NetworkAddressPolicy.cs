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
        IPNetwork.Parse("::1/128"),          // loopback
        IPNetwork.Parse("64:ff9b:1::/48"),   // local-use NAT64 (RFC 8215): translated inside someone's network
        IPNetwork.Parse("fc00::/7"),         // unique local
        IPNetwork.Parse("fe80::/10"),        // link-local
        IPNetwork.Parse("fec0::/10"),        // site-local (deprecated, still routed by some stacks)
        IPNetwork.Parse("ff00::/8"),         // multicast
    ];

    // IPv6 forms that carry an IPv4 address, which a stack, tunnel or translator may end up dialling.
    private static readonly IPNetwork IPv4Compatible = IPNetwork.Parse("::/96");              // ::a.b.c.d (RFC 4291, deprecated); also :: itself
    private static readonly IPNetwork IPv4Translated = IPNetwork.Parse("::ffff:0:0:0/96");    // ::ffff:0:a.b.c.d (SIIT, RFC 2765)
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");                // 64:ff9b::a.b.c.d (RFC 6052)
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");               // 2002:aabb:ccdd:: (RFC 3056)
    private static readonly IPNetwork Teredo = IPNetwork.Parse("2001::/32");                  // server in bits 32-63, client inverted in 96-127 (RFC 4380)

    /// <summary>
    /// True when the address is public (or private networks are allowed). An IPv6 address that embeds an
    /// IPv4 address (mapped, compatible, translated, NAT64, 6to4, Teredo, ISATAP) is judged by the IPv4 rules
    /// on every IPv4 address it carries, so <c>[::127.0.0.1]</c> is loopback as much as <c>127.0.0.1</c> is.
    /// </summary>
    public static bool IsAllowed(IPAddress address, bool allowPrivateNetworks)
    {
        if (allowPrivateNetworks) return true;
        if (address.AddressFamily == AddressFamily.InterNetwork) return IsPublicV4(address);
        if (address.IsIPv4MappedToIPv6) return IsPublicV4(address.MapToIPv4());
        if (BlockedV6.Any(network => network.Contains(address))) return false;
        return EmbeddedV4(address).All(IsPublicV4);
    }

    private static bool IsPublicV4(IPAddress address) => !BlockedV4.Any(network => network.Contains(address));

    /// <summary>The IPv4 addresses an IPv6 address carries; none for a plain IPv6 address.</summary>
    private static IEnumerable<IPAddress> EmbeddedV4(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (IPv4Compatible.Contains(address) || IPv4Translated.Contains(address) || Nat64.Contains(address))
        {
            yield return new IPAddress(bytes.AsSpan(12, 4));
        }
        else if (SixToFour.Contains(address))
        {
            yield return new IPAddress(bytes.AsSpan(2, 4));
        }
        else if (Teredo.Contains(address))
        {
            yield return new IPAddress(bytes.AsSpan(4, 4));
            var client = bytes.AsSpan(12, 4).ToArray();
            for (var i = 0; i < client.Length; i++) client[i] = (byte)~client[i];
            yield return new IPAddress(client);
        }

        // ISATAP (RFC 5214): any prefix, interface identifier 0000:5efe or 0200:5efe (u/g bits may vary) then the IPv4 address.
        if ((bytes[8] & 0xFC) == 0 && bytes[9] == 0 && bytes[10] == 0x5E && bytes[11] == 0xFE)
        {
            yield return new IPAddress(bytes.AsSpan(12, 4));
        }
    }

    /// <summary>
    /// Resolves the host and keeps the addresses we may call; an empty result means the host is
    /// refused. Throws <see cref="SocketException"/> when the name does not resolve.
    /// </summary>
    public static async Task<IPAddress[]> ResolveAllowedAsync(string host, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        // RFC 6761: localhost and its subdomains are loopback whatever DNS says (or fails to say right now).
        if (!allowPrivateNetworks && IsLocalhostName(host)) return [];
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        return addresses.Where(a => IsAllowed(a, allowPrivateNetworks)).ToArray();
    }

    private static bool IsLocalhostName(string host)
    {
        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }
}
