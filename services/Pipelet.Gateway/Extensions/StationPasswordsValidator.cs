using Microsoft.Extensions.Options;
using Pipelet.Gateway.Security;

namespace Pipelet.Gateway.Extensions;

/// <summary>Refuses plaintext station passwords at start: <c>Gateway__StationAuthentication__Stations__*</c> hold hashes only.</summary>
internal sealed class StationPasswordsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options) =>
        options.StationAuthentication.Stations.Values.All(StationPasswordHasher.IsWellFormed)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                "Gateway:StationAuthentication:Stations values must be password hashes (pbkdf2-sha256$...), never plaintext.");
}
