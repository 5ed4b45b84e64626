using Pipelet.Gateway.Ocpp;
using Pipelet.Gateway.Security;
using Pipelet.Gateway.Stations;

namespace Pipelet.Gateway.Tests.Unit;

public sealed class StationIdentityAndTimeTests
{
    [Theory]
    [InlineData("/ocpp/CP001", "CP001")]
    [InlineData("/ocpp/CP%2D01?x=1", "CP-01")]
    [InlineData("/ocpp/a*b-c_d=e:f+g|h@i.j", "a*b-c_d=e:f+g|h@i.j")]
    [InlineData("/ocpp/123456789012345678901234567890123456789012345678", "123456789012345678901234567890123456789012345678")]
    public void Valid_identities_are_read_decoded(string target, string expected)
    {
        Assert.True(StationIdentity.TryRead(target, "/ocpp/", out var identity));
        Assert.Equal(expected, identity);
    }

    [Theory]
    [InlineData("/ocpp/")]
    [InlineData("/ocpp/a/b")]
    [InlineData("/ocpp/a%2Fb")]
    [InlineData("/ocpp/a%20b")]
    [InlineData("/ocpp/%ZZ")]
    [InlineData("/other/CP1")]
    [InlineData("/ocpp/1234567890123456789012345678901234567890123456789")]
    public void Invalid_identities_are_refused(string target) =>
        Assert.False(StationIdentity.TryRead(target, "/ocpp/", out _));

    [Theory]
    [InlineData("2026-04-14T12:34:56Z", "2026-04-14T12:34:56.000Z")]
    [InlineData("2026-04-14T12:34:56.789Z", "2026-04-14T12:34:56.789Z")]
    [InlineData("2026-04-14T14:34:56+02:00", "2026-04-14T12:34:56.000Z")]
    [InlineData("2026-04-14T14:34:56.1234567+0200", "2026-04-14T12:34:56.123Z")]
    [InlineData("2026-04-14T12:34:56", "2026-04-14T12:34:56.000Z")]
    public void Timestamps_with_fractions_and_offsets_are_read(string text, string utc)
    {
        Assert.True(OcppTime.TryParse(text, out var value));
        Assert.Equal(utc, OcppTime.Format(value));
    }

    [Theory]
    [InlineData("14/04/2026")]
    [InlineData("2026-04-14")]
    [InlineData("yesterday")]
    [InlineData("2026-13-14T12:34:56Z")]
    public void Non_iso_timestamps_are_refused(string text) => Assert.False(OcppTime.TryParse(text, out _));

    [Fact]
    public void Station_passwords_are_stored_salted_and_verified()
    {
        var hash = StationPasswordHasher.Hash("0123456789abcdef:x");
        Assert.DoesNotContain("0123456789abcdef", hash, StringComparison.Ordinal);
        Assert.NotEqual(hash, StationPasswordHasher.Hash("0123456789abcdef:x"));
        Assert.True(StationPasswordHasher.IsWellFormed(hash));
        Assert.True(StationPasswordHasher.Verify("0123456789abcdef:x", hash));
        Assert.False(StationPasswordHasher.Verify("0123456789abcdef", hash));
        Assert.False(StationPasswordHasher.IsWellFormed("plaintext"));
    }
}
