using Pipelet.Subscriptions.Http;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// A checked <c>PUT</c>: null fields keep their value. An empty <see cref="Stations"/> list removes the
/// station filter; an empty <see cref="SecretHeader"/> removes the secret.
/// </summary>
internal sealed record WebhookPatch(
    string? Name,
    string? Url,
    bool? Enabled,
    IReadOnlyList<string>? Events,
    IReadOnlyList<string>? Stations,
    string? SecretHeader,
    string? SecretValue)
{
    public override string ToString() => $"WebhookPatch {{ Name = {Name}, Url = {Url}, SecretHeader = {SecretHeader} }}";

    /// <summary>The settings after this patch, or field errors when the result would be inconsistent.</summary>
    public WebhookSettings ApplyTo(WebhookSettings current, ValidationErrors errors)
    {
        var stations = Stations is null ? current.Stations : Stations.Count == 0 ? null : Stations;
        string? header = current.SecretHeader, value = current.SecretValue;
        if (SecretHeader is "")
        {
            header = null;
            value = null;
        }
        else
        {
            header = SecretHeader ?? header;
            value = SecretValue ?? value;
        }

        if (header is null && value is not null)
        {
            errors.Add("secret_header", "A secret value needs a secret header: send secret_header with it.");
        }
        else if (header is not null && value is null)
        {
            errors.Add("secret_value", "A secret header needs a secret value: send secret_value with it.");
        }

        return new WebhookSettings(
            Name ?? current.Name, Url ?? current.Url, Enabled ?? current.Enabled, Events ?? current.Events,
            stations, header, value);
    }
}
