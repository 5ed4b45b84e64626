using System.Net;

namespace Pipelet.Webhooks.Tests;

public sealed class NetworkAddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.10")]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("fc00::1")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:127.0.0.1")] // IPv4-mapped loopback
    [InlineData("::")]
    [InlineData("::127.0.0.1")]      // IPv4-compatible
    [InlineData("::10.0.0.1")]
    [InlineData("::ffff:0:127.0.0.1")] // IPv4-translated (SIIT)
    [InlineData("::ffff:0:169.254.169.254")]
    [InlineData("2002:7f00:1::1")]   // 6to4 of 127.0.0.1
    [InlineData("2002:c0a8:0101::")] // 6to4 of 192.168.1.1
    [InlineData("64:ff9b::127.0.0.1")] // NAT64
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b:1::8.8.8.8")] // local-use NAT64
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe")] // Teredo, client 127.0.0.1 (inverted)
    [InlineData("2001:0:a00:1:8000:63bf:f7f7:f7f7")]     // Teredo, server 10.0.0.1
    [InlineData("2001:db8:1::5efe:a00:1")]  // ISATAP of 10.0.0.1
    [InlineData("2001:db8:1::200:5efe:7f00:1")] // ISATAP of 127.0.0.1, u bit set
    [InlineData("fec0::1")]          // site-local
    public void Private_loopback_and_link_local_addresses_are_refused(string address)
    {
        Assert.False(NetworkAddressPolicy.IsAllowed(IPAddress.Parse(address), allowPrivateNetworks: false));
        Assert.True(NetworkAddressPolicy.IsAllowed(IPAddress.Parse(address), allowPrivateNetworks: true));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("::8.8.8.8")]
    [InlineData("::ffff:0:8.8.8.8")]
    [InlineData("2002:808:808::1")]      // 6to4 of 8.8.8.8
    [InlineData("64:ff9b::1.1.1.1")]     // NAT64 of a public address
    [InlineData("2001:0:4136:e378:8000:63bf:f7f7:f7f7")] // Teredo, server and client public
    public void Public_addresses_are_allowed(string address) =>
        Assert.True(NetworkAddressPolicy.IsAllowed(IPAddress.Parse(address), allowPrivateNetworks: false));
}
