extern alias subscriptions;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Pipelet.Contracts.Subscriptions;
using subscriptions::Pipelet.Subscriptions.ApiKeys;
using subscriptions::Pipelet.Subscriptions.Http;
using subscriptions::Pipelet.Subscriptions.Webhooks;

namespace Pipelet.Subscriptions.Tests;

/// <summary>The pure pieces: key format, secret encryption, partial updates, record printing.</summary>
public sealed class UnitTests
{
    private static WebhookSecretProtector Protector(byte[]? key = null, params byte[][] previous) =>
        new(Options.Create(new WebhookEncryptionOptions
        {
            EncryptionKey = Convert.ToBase64String(key ?? RandomNumberGenerator.GetBytes(32)),
            PreviousEncryptionKeys = [.. previous.Select(Convert.ToBase64String)],
        }));

    [Fact]
    public void Keys_are_hcpms_live_plus_32_base62_characters_and_differ_every_time()
    {
        var keys = Enumerable.Range(0, 200).Select(_ => ApiKeyFormat.Generate()).ToList();
        Assert.All(keys, k => Assert.Matches("^hcpms_live_[0-9A-Za-z]{32}$", k));
        Assert.Equal(keys.Count, keys.Distinct().Count());
        // 32 characters of a 62-letter alphabet: 32 * log2(62) ≈ 190 bits, well over the 128 required.
        Assert.True(32 * Math.Log2(62) >= 128);
        Assert.Equal(32, ApiKeyFormat.Hash(keys[0]).Length);
        Assert.Equal(keys[0][..15], ApiKeyFormat.Prefix(keys[0]));
    }

    [Fact]
    public void A_secret_round_trips_and_each_encryption_differs()
    {
        var protector = Protector();
        var first = protector.Protect("my-secret-value-here", SealedColumn.SecretValue);
        var second = protector.Protect("my-secret-value-here", SealedColumn.SecretValue);
        Assert.NotEqual(first, second);
        Assert.Equal("my-secret-value-here", protector.Unprotect(first, SealedColumn.SecretValue));
    }

    [Fact]
    public void A_tampered_ciphertext_or_another_key_is_refused()
    {
        var protector = Protector();
        var sealedBytes = protector.Protect("my-secret-value-here", SealedColumn.SecretValue);
        sealedBytes[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedBytes, SealedColumn.SecretValue));
        Assert.ThrowsAny<CryptographicException>(() => Protector().Unprotect(protector.Protect("x", SealedColumn.SecretValue), SealedColumn.SecretValue));
    }

    [Fact]
    public void After_a_rotation_a_retired_key_still_opens_what_it_sealed_and_only_the_current_key_seals()
    {
        var retiredKey = RandomNumberGenerator.GetBytes(32);
        var currentKey = RandomNumberGenerator.GetBytes(32);
        var sealedBefore = Protector(retiredKey).Protect("my-secret-value-here", SealedColumn.SecretValue);
        var rotated = Protector(currentKey, retiredKey);

        Assert.Equal("my-secret-value-here", rotated.Unprotect(sealedBefore, SealedColumn.SecretValue));
        Assert.False(rotated.IsCurrent(sealedBefore));
        Assert.True(rotated.IsCurrent(rotated.Protect("x", SealedColumn.SecretValue)));
        Assert.Equal("x", Protector(currentKey).Unprotect(rotated.Protect("x", SealedColumn.SecretValue), SealedColumn.SecretValue));
        var refused = Assert.ThrowsAny<CryptographicException>(() => Protector(currentKey).Unprotect(sealedBefore, SealedColumn.SecretValue));
        Assert.Contains("Webhooks__PreviousEncryptionKeys__N", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_sealed_in_the_first_format_without_a_key_id_are_still_opened_and_count_as_stale()
    {
        var retiredKey = RandomNumberGenerator.GetBytes(32);
        // Version 1: 1 | nonce (12) | tag (16) | ciphertext, with the same associated data.
        var plaintext = "my-secret-value-here"u8.ToArray();
        var firstFormat = new byte[1 + 12 + 16 + plaintext.Length];
        firstFormat[0] = 1;
        RandomNumberGenerator.Fill(firstFormat.AsSpan(1, 12));
        using (var aes = new AesGcm(retiredKey, 16))
        {
            aes.Encrypt(firstFormat.AsSpan(1, 12), plaintext, firstFormat.AsSpan(29), firstFormat.AsSpan(13, 16), "pipelet:webhooks.secret_value:v1"u8);
        }

        var rotated = Protector(RandomNumberGenerator.GetBytes(32), retiredKey);

        Assert.Equal("my-secret-value-here", rotated.Unprotect(firstFormat, SealedColumn.SecretValue));
        Assert.False(rotated.IsCurrent(firstFormat));
        Assert.ThrowsAny<CryptographicException>(() => Protector().Unprotect(firstFormat, SealedColumn.SecretValue));
    }

    [Fact]
    public void A_retired_key_must_be_base64_of_32_bytes_too()
    {
        var result = new WebhookEncryptionOptionsValidator().Validate(null, new WebhookEncryptionOptions
        {
            EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            PreviousEncryptionKeys = ["AAAA"],
        });

        Assert.True(result.Failed);
        Assert.Contains("Webhooks__PreviousEncryptionKeys__0", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "missing")]
    [InlineData("not base64!", "32 bytes")]
    [InlineData("AAAA", "32 bytes")]
    public void The_encryption_key_must_be_base64_of_32_bytes(string? key, string message)
    {
        var result = new WebhookEncryptionOptionsValidator().Validate(null, new WebhookEncryptionOptions { EncryptionKey = key });
        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Webhooks__EncryptionKey", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_patch_keeps_what_it_does_not_name()
    {
        var current = new WebhookSettings("n", new Uri("https://a.example/x"), true, ["StartTransaction"], ["S1"], new WebhookSecretHeader("X-Secret", new Secret("v")));
        var errors = new ValidationErrors();

        var patched = new WebhookPatch(null, null, false, null, null, null, new Secret("v2")).ApplyTo(current, errors);

        Assert.True(errors.IsEmpty);
        Assert.Equal(current with { Enabled = false, SecretHeader = new WebhookSecretHeader("X-Secret", new Secret("v2")) }, patched);
    }

    [Fact]
    public void An_empty_secret_header_removes_the_secret_and_an_empty_station_list_the_filter()
    {
        var current = new WebhookSettings("n", new Uri("https://a.example/x"), true, ["*"], ["S1"], new WebhookSecretHeader("X-Secret", new Secret("v")));
        var errors = new ValidationErrors();

        var patched = new WebhookPatch(null, null, null, null, [], "", null).ApplyTo(current, errors);

        Assert.True(errors.IsEmpty);
        Assert.Null(patched.SecretHeader);
        Assert.Null(patched.Stations);
    }

    [Fact]
    public void Printing_a_webhook_or_a_request_never_shows_the_secret()
    {
        var secret = new Secret("TOP-SECRET");
        var settings = new WebhookSettings("n", new Uri("https://a.example/x"), true, ["*"], null, new WebhookSecretHeader("X-Secret", secret));
        var webhook = new Webhook(1, settings, new WebhookSigningSecrets(new Secret("whsec_TOP-SECRET"), secret, DateTimeOffset.UtcNow), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        Assert.DoesNotContain("TOP-SECRET", webhook.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TOP-SECRET", new CreateWebhookRequest("n", "u", true, ["*"], null, "X-Secret", secret).ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TOP-SECRET", new UpdateWebhookRequest(null, null, null, null, null, null, secret).ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TOP-SECRET", new WebhookPatch(null, null, null, null, null, null, secret).ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TOP-SECRET", new SigningSecretResponse(secret).ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hcpms_live_x", new VerifyApiKeyRequest("hcpms_live_x").ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hcpms_live_x", new CreatedApiKeyResponse(1, "n", "hcpms_live_x", "p", [], DateTimeOffset.UtcNow).ToString(), StringComparison.Ordinal);
    }
}
