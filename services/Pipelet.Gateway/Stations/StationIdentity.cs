namespace Pipelet.Gateway.Stations;

/// <summary>
/// Charge point identities as they appear in the connection URL (J 3.1.1): percent-decoded, 1 to 48
/// characters from the identifierString set (letters, digits, <c>* - _ = : + | @ .</c>).
/// </summary>
internal static class StationIdentity
{
    public const int MaxLength = 48;

    /// <summary>The identity of <c>/ocpp/{identity}</c> from the raw request target, decoded once.</summary>
    public static bool TryRead(string rawTarget, string prefix, out string identity)
    {
        identity = "";
        var path = rawTarget;
        var query = path.IndexOfAny(['?', '#']);
        if (query >= 0) path = path[..query];
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return false;

        var encoded = path[prefix.Length..];
        if (encoded.Length == 0 || encoded.Contains('/')) return false;

        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(encoded);
        }
        catch (UriFormatException)
        {
            return false;
        }

        if (!IsValid(decoded)) return false;
        identity = decoded;
        return true;
    }

    public static bool IsValid(string identity) =>
        identity.Length is > 0 and <= MaxLength && identity.All(IsAllowed);

    private static bool IsAllowed(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '*' or '-' or '_' or '=' or ':' or '+' or '|' or '@' or '.';
}
