using Microsoft.Extensions.Options;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>Bound from the <c>Webhooks</c> section: <c>Webhooks__EncryptionKey</c>, base64 of 32 random bytes.</summary>
internal sealed class WebhookEncryptionOptions
{
    public const string Section = "Webhooks";

    public string? EncryptionKey { get; set; }

    public byte[] KeyBytes() => Convert.FromBase64String(EncryptionKey!);
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

        var buffer = new byte[64];
        if (!Convert.TryFromBase64String(options.EncryptionKey.Trim(), buffer, out var length) || length != 32)
        {
            return ValidateOptionsResult.Fail("Webhooks:EncryptionKey is not base64 of exactly 32 bytes. " + Hint);
        }

        return ValidateOptionsResult.Success;
    }
}
