using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Pipelet.Client;

/// <summary>A request that does not carry a valid, fresh Pipelet signature.</summary>
public sealed class InvalidWebhookSignatureException(string message) : Exception(message);

/// <summary>
/// Verifies Pipelet's webhook requests (Standard Webhooks, symmetric <c>v1</c>): the HMAC-SHA256 of
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c> under the signing secret must match one of the
/// <c>v1,</c> entries of <c>webhook-signature</c> (compared in constant time; during a rotation there are
/// two), and the timestamp must be within five minutes of now, so a captured request cannot be replayed later.
/// </summary>
public static class WebhookVerifier
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);
    private const string SecretPrefix = "whsec_";

    /// <summary>Throws <see cref="InvalidWebhookSignatureException"/> unless <paramref name="body"/> (the exact bytes received) is signed with <paramref name="secret"/>.</summary>
    public static void Verify(string secret, IHeaderDictionary headers, ReadOnlySpan<byte> body) =>
        Verify(secret, headers[IdHeader].ToString(), headers[TimestampHeader].ToString(), headers[SignatureHeader].ToString(), body, DateTimeOffset.UtcNow);

    /// <summary>The same check from the three header values, against a given clock.</summary>
    public static void Verify(string secret, string? id, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            throw new InvalidWebhookSignatureException($"Missing {IdHeader}, {TimestampHeader} or {SignatureHeader}.");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new InvalidWebhookSignatureException($"{TimestampHeader} is not Unix seconds.");
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age > Tolerance) throw new InvalidWebhookSignatureException("The timestamp is too old.");
        if (age < -Tolerance) throw new InvalidWebhookSignatureException("The timestamp is too far in the future.");

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        using (var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Key(secret)))
        {
            hmac.AppendData(Encoding.UTF8.GetBytes($"{id}.{timestamp}."));
            hmac.AppendData(body);
            hmac.GetHashAndReset(expected);
        }

        Span<byte> received = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var matched = false;
        foreach (var entry in signature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            // Other versions (v1a, ...) are skipped, as the spec says; every v1 entry is compared, match or not.
            if (!entry.StartsWith("v1,", StringComparison.Ordinal)) continue;
            if (!Convert.TryFromBase64String(entry[3..], received, out var length) || length != received.Length) continue;
            matched |= CryptographicOperations.FixedTimeEquals(expected, received);
        }

        if (!matched) throw new InvalidWebhookSignatureException("No signature matches the signing secret.");
    }

    private static byte[] Key(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        try
        {
            return Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        }
        catch (FormatException)
        {
            throw new ArgumentException("The signing secret must be whsec_ followed by base64, as the API gives it.", nameof(secret));
        }
    }
}
