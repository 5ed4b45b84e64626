using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Pipelet.Gateway.Authorization;

namespace Pipelet.Gateway.Tests.Unit;

public sealed class ConfiguredIdTagAuthorizerTests
{
    [Fact]
    public async Task Listed_tags_get_their_status_case_insensitively_and_others_are_accepted()
    {
        var authorizer = new ConfiguredIdTagAuthorizer(Options.Create(Bind(new()
        {
            ["Gateway:IdTags:LOST_CARD"] = "Blocked",
            ["Gateway:IdTags:old-card"] = "Expired",
        })));

        Assert.Equal("Blocked", (await authorizer.AuthorizeAsync("CP-1", "LOST_CARD", default)).Status);
        Assert.Equal("Blocked", (await authorizer.AuthorizeAsync("CP-1", "lost_card", default)).Status);
        Assert.Equal("Expired", (await authorizer.AuthorizeAsync("CP-1", "OLD-CARD", default)).Status);
        Assert.Same(IdTagInfo.Accepted, await authorizer.AuthorizeAsync("CP-1", "ANY_OTHER", default));
    }

    [Fact]
    public async Task Without_the_setting_every_tag_is_accepted()
    {
        var authorizer = new ConfiguredIdTagAuthorizer(Options.Create(Bind([])));
        Assert.Same(IdTagInfo.Accepted, await authorizer.AuthorizeAsync("CP-1", "RFID_12345678", default));
    }

    [Theory]
    [InlineData("Accepted")]
    [InlineData("Blocked")]
    [InlineData("Expired")]
    [InlineData("Invalid")]
    [InlineData("ConcurrentTx")]
    public void Every_OCPP_authorization_status_is_a_valid_setting(string status) =>
        Assert.True(new IdTagListValidator().Validate(null, Bind(new() { ["Gateway:IdTags:CARD"] = status })).Succeeded);

    [Theory]
    [InlineData("CARD", "blocked", "Gateway:IdTags:CARD is 'blocked'; it must be one of Accepted, Blocked, Expired, Invalid, ConcurrentTx")]
    [InlineData("CARD", "Stolen", "Gateway:IdTags:CARD is 'Stolen'")]
    [InlineData("CARD", "", "Gateway:IdTags:CARD is ''")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU", "Blocked", "Gateway:IdTags:ABCDEFGHIJKLMNOPQRSTU is not an idTag")]
    public void A_bad_entry_is_refused_naming_it(string idTag, string status, string message)
    {
        var result = new IdTagListValidator().Validate(null, Bind(new() { [$"Gateway:IdTags:{idTag}"] = status }));
        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }

    private static GatewayOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new GatewayOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(GatewayOptions.SectionName).Bind(options);
        return options;
    }
}
