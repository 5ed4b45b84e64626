using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
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
    private const string Version = "v1,";

    /// <summary>Each secret's key bytes, decoded once per <see cref="Secret"/> instance (the directory keeps one per webhook).</summary>
    private static readonly ConditionalWeakTable<Secret, byte[]> Keys = new();

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
        // "{id}.{timestamp}." and the body in one buffer, so each key costs one one-shot HMAC (every delivery is signed).
        var signed = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(messageId.Length) + 22 + body.Length);
        try
        {
            var length = Encoding.UTF8.GetBytes(messageId, signed);
            signed[length++] = (byte)'.';
            timestamp.TryFormat(signed.AsSpan(length), out var digits, default, CultureInfo.InvariantCulture);
            length += digits;
            signed[length++] = (byte)'.';
            body.CopyTo(signed.AsSpan(length));
            length += body.Length;

            const int entryLength = 3 + 44; // "v1," + base64 of 32 bytes
            Span<char> header = stackalloc char[secrets.Count * (entryLength + 1)];
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            var written = 0;
            for (var i = 0; i < secrets.Count; i++)
            {
                if (i > 0) header[written++] = ' ';
                HMACSHA256.HashData(Key(secrets[i]), signed.AsSpan(0, length), mac);
                Version.CopyTo(header[written..]);
                Convert.TryToBase64Chars(mac, header[(written + Version.Length)..], out var chars);
                written += Version.Length + chars;
            }

            return new string(header[..written]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(signed);
        }
    }

    private static byte[] Key(Secret secret) => Keys.GetValue(secret, static secret =>
    {
        var value = secret.Value;
        return Convert.FromBase64String(value.StartsWith(SecretPrefix, StringComparison.Ordinal) ? value[SecretPrefix.Length..] : value);
    });
}
