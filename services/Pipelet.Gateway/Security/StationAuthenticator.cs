using System.Collections.Frozen;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace Pipelet.Gateway.Security;

internal enum StationAuthenticationResult
{
    Allowed,

    /// <summary>Not a station we know: refused with 404, as J 3.2 suggests.</summary>
    UnknownStation,

    /// <summary>Known station, missing or wrong password: 401 with a Basic challenge.</summary>
    BadCredentials,
}

/// <summary>
/// Security profile 1 on the handshake: HTTP Basic, username = the station identity, password = its
/// AuthorizationKey (which may itself contain ':'). Off unless <c>Gateway__StationAuthentication__Enabled</c>.
/// Before it, station registration: identities not in <c>Gateway__RegisteredStations</c>, when that is set, are unknown.
/// </summary>
internal sealed class StationAuthenticator(IOptions<GatewayOptions> options)
{
    private readonly FrozenSet<string> _registered = options.Value.RegisteredStations.ToFrozenSet(StringComparer.Ordinal);

    /// <param name="authorization">The request's Authorization header, as received.</param>
    public StationAuthenticationResult Authenticate(string? authorization, string stationId)
    {
        if (_registered.Count > 0 && !_registered.Contains(stationId)) return StationAuthenticationResult.UnknownStation;
        var settings = options.Value.StationAuthentication;
        if (!settings.Enabled) return StationAuthenticationResult.Allowed;
        if (!settings.Stations.TryGetValue(stationId, out var hash)) return StationAuthenticationResult.UnknownStation;

        if (!AuthenticationHeaderValue.TryParse(authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return StationAuthenticationResult.BadCredentials;
        }

        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return StationAuthenticationResult.BadCredentials;
        }

        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || credentials[..colon] != stationId) return StationAuthenticationResult.BadCredentials;

        return StationPasswordHasher.Verify(credentials[(colon + 1)..], hash)
            ? StationAuthenticationResult.Allowed
            : StationAuthenticationResult.BadCredentials;
    }
}
