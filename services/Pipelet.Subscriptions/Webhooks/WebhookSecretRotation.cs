namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// After a key rotation (a new <c>Webhooks__EncryptionKey</c>, the old one moved to
/// <c>Webhooks__PreviousEncryptionKeys__0</c>), re-seals every stored secret under the new key at start,
/// before the server takes requests, so the retired key can be dropped from configuration afterwards. A
/// secret no configured key opens stops the start: every webhook read would fail on it later. Also gives
/// webhooks stored before signing existed their signing secret.
/// </summary>
internal sealed partial class WebhookSecretRotation(WebhookStore store, ILogger<WebhookSecretRotation> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var (resealed, unreadable) = await store.ResealSecretsAsync(cancellationToken);
        if (resealed > 0) LogResealed(logger, resealed);
        var signed = await store.AddMissingSigningSecretsAsync(cancellationToken);
        if (signed > 0) LogSigningSecretsAdded(logger, signed);
        if (unreadable.Count > 0)
        {
            throw new InvalidOperationException(
                $"The secrets of webhook(s) {string.Join(", ", unreadable)} open with no configured key. Set Webhooks__EncryptionKey " +
                "to the key they were sealed under, or keep that key in Webhooks__PreviousEncryptionKeys__N.");
        }
    }

    [LoggerMessage(LogLevel.Information, "Gave {Count} webhook(s) stored before signing existed a signing secret")]
    private static partial void LogSigningSecretsAdded(ILogger logger, int count);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Re-sealed {Count} webhook secret(s) under the current encryption key; retired keys are no longer needed for them")]
    private static partial void LogResealed(ILogger logger, int count);
}
