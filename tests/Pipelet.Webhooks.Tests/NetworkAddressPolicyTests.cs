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
    public void Private_loopback_and_link_local_addresses_are_refused(string address)
    {
        Assert.False(NetworkAddressPolicy.IsAllowed(IPAddress.Parse(address), allowPrivateNetworks: false));
        Assert.True(NetworkAddressPolicy.IsAllowed(IPAddress.Parse(address), allowPrivateNetworks: true));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("2001:4860:4860::8888")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.True(NetworkAddressPolicy.IsAllowed(IPAddress.Parse(address), allowPrivateNetworks: false));
}
