using Pipelet.Contracts.Subscriptions;
using Pipelet.Subscriptions.Http;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// A checked <c>PUT</c>: null fields keep their value. An empty <see cref="Stations"/> list removes the
/// station filter; an empty <see cref="SecretHeader"/> removes the secret; a <see cref="RateLimit"/> of 0 removes the limit.
/// A changed <see cref="Ordering"/> applies to events fanned out after the dispatcher hears of it.
/// </summary>
internal sealed record WebhookPatch(
    string? Name,
    Uri? Url,
    bool? Enabled,
    IReadOnlyList<string>? Events,
    IReadOnlyList<string>? Stations,
    string? SecretHeader,
    Secret? SecretValue,
    int? RateLimit = null,
    string? Ordering = null)
{
    /// <summary>The settings after this patch, or field errors when the result would be inconsistent.</summary>
    public WebhookSettings ApplyTo(WebhookSettings current, ValidationErrors errors)
    {
        var stations = Stations is null ? current.Stations : Stations.Count == 0 ? null : Stations;
        var secretHeader = SecretHeader is ""
            ? null
            : WebhookSecretHeaderRule.Pair(SecretHeader ?? current.SecretHeader?.Name, SecretValue ?? current.SecretHeader?.Value, errors);
        return new WebhookSettings(
            Name ?? current.Name, Url ?? current.Url, Enabled ?? current.Enabled, Events ?? current.Events,
            stations, secretHeader, RateLimit is null ? current.RateLimit : RateLimit == 0 ? null : RateLimit,
            Ordering ?? current.Ordering);
    }
}
