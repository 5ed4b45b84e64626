using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// Encrypts webhook secret values at rest with AES-256-GCM. Stored form: version (1 byte) | nonce (12) |
/// tag (16) | ciphertext. The associated data binds a ciphertext to its purpose, so it cannot be
/// replayed into another encrypted column later.
/// </summary>
internal sealed class WebhookSecretProtector(IOptions<WebhookEncryptionOptions> options)
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] AssociatedData = "pipelet:webhooks.secret_value:v1"u8.ToArray();

    private readonly byte[] _key = options.Value.KeyBytes();

    public byte[] Protect(string secret)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[1 + NonceSize + TagSize + plaintext.Length];
        var nonce = sealedBytes.AsSpan(1, NonceSize);
        var tag = sealedBytes.AsSpan(1 + NonceSize, TagSize);
        var ciphertext = sealedBytes.AsSpan(1 + NonceSize + TagSize);
        sealedBytes[0] = Version;
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData);
        return sealedBytes;
    }

    public string Unprotect(byte[] sealedBytes)
    {
        if (sealedBytes.Length < 1 + NonceSize + TagSize || sealedBytes[0] != Version)
        {
            throw new CryptographicException("Unknown format of a stored webhook secret.");
        }

        var span = sealedBytes.AsSpan();
        var plaintext = new byte[span.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(span.Slice(1, NonceSize), span[(1 + NonceSize + TagSize)..], span.Slice(1 + NonceSize, TagSize), plaintext, AssociatedData);
        return Encoding.UTF8.GetString(plaintext);
    }
}
