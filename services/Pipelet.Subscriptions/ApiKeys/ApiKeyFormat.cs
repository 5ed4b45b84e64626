using System.Security.Cryptography;
using System.Text;

namespace Pipelet.Subscriptions.ApiKeys;

/// <summary>
/// Keys look like <c>hcpms_live_</c> + 32 base62 characters (about 190 random bits). Only the SHA-256 of
/// the whole key is stored. A fast hash is right here, unlike for passwords: with that much randomness
/// a stolen hash cannot be reversed by guessing, and a deterministic hash lets the check be one indexed
/// lookup instead of a slow KDF per request.
/// </summary>
internal static class ApiKeyFormat
{
    public const string Marker = "hcpms_live_";
    private const int RandomLength = 32;
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>How many characters lists show: the marker and the first four random characters.</summary>
    public const int PrefixLength = 15;

    public static string Generate() => Marker + RandomNumberGenerator.GetString(Base62, RandomLength);

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string Prefix(string key) => key.Length <= PrefixLength ? key : key[..PrefixLength];
}
