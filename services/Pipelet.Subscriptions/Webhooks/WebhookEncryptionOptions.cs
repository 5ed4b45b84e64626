using Microsoft.Extensions.Options;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// Bound from the <c>Webhooks</c> section: <c>Webhooks__EncryptionKey</c>, base64 of 32 random bytes, seals
/// every secret written; <c>Webhooks__PreviousEncryptionKeys__0</c>, <c>__1</c>, ... are keys retired by a
/// rotation, still read, and replaced by the current key at start.
/// </summary>
internal sealed class WebhookEncryptionOptions
{
    public const string Section = "Webhooks";

    public string? EncryptionKey { get; set; }

    public List<string> PreviousEncryptionKeys { get; set; } = [];

    public byte[] KeyBytes() => Convert.FromBase64String(EncryptionKey!.Trim());

    /// <summary>Blank entries are skipped: an empty variable left behind by a deployment is not a key.</summary>
    public IEnumerable<byte[]> PreviousKeyBytes() =>
        PreviousEncryptionKeys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => Convert.FromBase64String(k.Trim()));
}

/// <summary>Refuses to start without a usable key: there is deliberately no default, not even in Development.</summary>
internal sealed class WebhookEncryptionOptionsValidator : IValidateOptions<WebhookEncryptionOptions>
{
    private const string Hint = "Set Webhooks__EncryptionKey to base64 of 32 random bytes (e.g. `openssl rand -base64 32`); the AppHost sets one.";

    public ValidateOptionsResult Validate(string? name, WebhookEncryptionOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.EncryptionKey))
        {
            return ValidateOptionsResult.Fail("Webhooks:EncryptionKey is missing. " + Hint);
        }

        if (!IsKey(options.EncryptionKey))
        {
            return ValidateOptionsResult.Fail("Webhooks:EncryptionKey is not base64 of exactly 32 bytes. " + Hint);
        }

        for (var i = 0; i < options.PreviousEncryptionKeys.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(options.PreviousEncryptionKeys[i]) && !IsKey(options.PreviousEncryptionKeys[i]))
            {
                return ValidateOptionsResult.Fail($"Webhooks:PreviousEncryptionKeys:{i} is not base64 of exactly 32 bytes (Webhooks__PreviousEncryptionKeys__{i}).");
            }
        }

        return ValidateOptionsResult.Success;
    }

    private static bool IsKey(string value)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(value.Trim(), buffer, out var length) && length == 32;
    }
}
