using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// Encrypts webhook secrets (the secret header's value, the signing secrets) at rest with AES-256-GCM. Stored form: version 2 (1 byte) | key id (4) |
/// nonce (12) | tag (16) | ciphertext; version 1, written before keys could rotate, has no key id. The key
/// id names which configured key sealed a value, so a rotation can find what is left to re-seal. The
/// associated data binds a ciphertext to its column (<see cref="SealedColumn"/>), so a value copied into
/// another encrypted column does not open.
/// </summary>
internal sealed class WebhookSecretProtector
{
    private const byte Unnamed = 1;
    private const byte Named = 2;
    private const int KeyIdSize = 4;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _key;
    private readonly uint _keyId;
    private readonly Dictionary<uint, byte[]> _keys = [];

    public WebhookSecretProtector(IOptions<WebhookEncryptionOptions> options)
    {
        _key = options.Value.KeyBytes();
        _keyId = KeyId(_key);
        foreach (var key in options.Value.PreviousKeyBytes().Prepend(_key)) _keys.TryAdd(KeyId(key), key);
    }

    public byte[] Protect(string secret, SealedColumn column)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[1 + KeyIdSize + NonceSize + TagSize + plaintext.Length];
        sealedBytes[0] = Named;
        BinaryPrimitives.WriteUInt32BigEndian(sealedBytes.AsSpan(1, KeyIdSize), _keyId);
        var nonce = sealedBytes.AsSpan(1 + KeyIdSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(1 + KeyIdSize + NonceSize + TagSize), sealedBytes.AsSpan(1 + KeyIdSize + NonceSize, TagSize), column.AssociatedData);
        return sealedBytes;
    }

    public string Unprotect(byte[] sealedBytes, SealedColumn column)
    {
        if (sealedBytes.Length >= 1 + KeyIdSize + NonceSize + TagSize && sealedBytes[0] == Named)
        {
            var keyId = BinaryPrimitives.ReadUInt32BigEndian(sealedBytes.AsSpan(1, KeyIdSize));
            if (!_keys.TryGetValue(keyId, out var key))
            {
                throw new CryptographicException(
                    "A stored webhook secret was sealed under a key this service does not have: keep retired keys in Webhooks__PreviousEncryptionKeys__N until a start has re-sealed everything.");
            }

            return Open(key, sealedBytes.AsSpan(1 + KeyIdSize), column);
        }

        if (sealedBytes.Length >= 1 + NonceSize + TagSize && sealedBytes[0] == Unnamed)
        {
            // No key id: try the current key, then the retired ones.
            foreach (var key in _keys.Values)
            {
                try
                {
                    return Open(key, sealedBytes.AsSpan(1), column);
                }
                catch (AuthenticationTagMismatchException)
                {
                }
            }

            throw new AuthenticationTagMismatchException("No configured key opens this stored webhook secret.");
        }

        throw new CryptographicException("Unknown format of a stored webhook secret.");
    }

    /// <summary>Whether a stored value is sealed under the current key in the current form (else a rotation re-seals it).</summary>
    public bool IsCurrent(byte[] sealedBytes) =>
        sealedBytes.Length > 1 + KeyIdSize && sealedBytes[0] == Named
        && BinaryPrimitives.ReadUInt32BigEndian(sealedBytes.AsSpan(1, KeyIdSize)) == _keyId;

    private static string Open(byte[] key, ReadOnlySpan<byte> nonceTagCiphertext, SealedColumn column)
    {
        var plaintext = new byte[nonceTagCiphertext.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(nonceTagCiphertext[..NonceSize], nonceTagCiphertext[(NonceSize + TagSize)..], nonceTagCiphertext.Slice(NonceSize, TagSize), plaintext, column.AssociatedData);
        return Encoding.UTF8.GetString(plaintext);
    }

    /// <summary>A short public name for a key: the first bytes of a hash of it, which reveal nothing usable.</summary>
    private static uint KeyId(byte[] key)
    {
        Span<byte> digest = stackalloc byte[32];
        HMACSHA256.HashData(key, "pipelet:webhooks.key-id"u8, digest);
        return BinaryPrimitives.ReadUInt32BigEndian(digest);
    }
}

/// <summary>
/// An encrypted column of <c>webhooks</c> and the purpose its values are bound to. Both signing-secret columns
/// share one purpose, because a rotation moves the sealed bytes from one to the other without re-sealing them.
/// </summary>
internal sealed record SealedColumn(string Name, string Purpose)
{
    public static readonly SealedColumn SecretValue = new("secret_value", "secret_value");
    public static readonly SealedColumn SigningSecret = new("signing_secret", "signing_secret");
    public static readonly SealedColumn PreviousSigningSecret = new("previous_signing_secret", "signing_secret");
    public static readonly IReadOnlyList<SealedColumn> All = [SecretValue, SigningSecret, PreviousSigningSecret];

    public byte[] AssociatedData { get; } = System.Text.Encoding.UTF8.GetBytes($"pipelet:webhooks.{Purpose}:v1");
}
