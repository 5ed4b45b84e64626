using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Webhooks;

/// <summary>
/// Standard Webhooks symmetric signatures: <c>v1,</c> + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")),
/// where the key is the base64 part of a <c>whsec_</c> secret. Several keys (during a rotation) give
/// several space-separated entries; a receiver accepts the request when any one of them verifies.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    private const int SecretBytes = 32;

    /// <summary>A new signing secret: <c>whsec_</c> + base64 of 32 random bytes.</summary>
    public static Secret NewSecret() => new(SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes)));

    /// <summary>The keys that sign now: the current one, and the previous one until the overlap after its rotation ends.</summary>
    public static IReadOnlyList<Secret> ActiveSecrets(WebhookSigningSecrets signing, DateTimeOffset now, TimeSpan overlap) =>
        signing is { Previous: { } previous, RotatedAt: { } rotatedAt } && now < rotatedAt + overlap
            ? [signing.Current, previous]
            : [signing.Current];

    /// <summary>The <c>webhook-signature</c> header value for this message.</summary>
    public static string Sign(IReadOnlyList<Secret> secrets, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.");
        var entries = new string[secrets.Count];
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        for (var i = 0; i < secrets.Count; i++)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Key(secrets[i]));
            hmac.AppendData(prefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(mac);
            entries[i] = "v1," + Convert.ToBase64String(mac);
        }

        return string.Join(' ', entries);
    }

    private static byte[] Key(Secret secret)
    {
        var value = secret.Value;
        return Convert.FromBase64String(value.StartsWith(SecretPrefix, StringComparison.Ordinal) ? value[SecretPrefix.Length..] : value);
    }
}
