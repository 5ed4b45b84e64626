using System.Security.Cryptography;
using System.Text;

namespace Pipelet.Gateway.Security;

/// <summary>
/// Salted PBKDF2-SHA256 hashes of station passwords (the AuthorizationKey of security profile 1/2),
/// stored as <c>pbkdf2-sha256$iterations$salt$hash</c> in base64 so configuration never holds plaintext.
/// </summary>
internal static class StationPasswordHasher
{
    private const string Scheme = "pbkdf2-sha256";

    // AuthorizationKeys are random 16 to 20 bytes, so a moderate count is plenty and keeps a
    // reconnect storm of thousands of stations cheap.
    private const int DefaultIterations = 10_000;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string password, string encoded)
    {
        var parts = encoded.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], out var iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static bool IsWellFormed(string encoded)
    {
        var parts = encoded.Split('$');
        return parts.Length == 4 && parts[0] == Scheme && int.TryParse(parts[1], out var n) && n > 0
            && IsBase64(parts[2]) && IsBase64(parts[3]);

        static bool IsBase64(string s) => s.Length > 0 && Convert.TryFromBase64String(s, new byte[s.Length], out _);
    }
}
