using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.ServiceDefaults.Http;
using Pipelet.Subscriptions.Http;
using Pipelet.Webhooks;

namespace Pipelet.Subscriptions.Webhooks;

/// <summary>
/// Checks webhook input field by field, so every mistake comes back at once as a field error.
/// URL hosts that resolve only to loopback, private or link-local addresses are refused unless
/// <c>Delivery__AllowPrivateNetworks=true</c>; a host that does not resolve right now is accepted
/// (DNS may be set up later), because the sender checks the address again at connect time.
/// </summary>
internal sealed class WebhookValidator(IOptions<WebhookSendingOptions> sending)
{
    private const int MaxEventEntries = 100;
    private static readonly string ValidEvents =
        string.Join(", ", EventCatalogue.All.Select(e => e.Name)) + $", or \"{EventCatalogue.Wildcard}\" for all of these; and the operational " +
        string.Join(", ", EventCatalogue.Operational.Select(e => e.Name)) + " (only by name)";

    public async Task<(WebhookSettings? Settings, ValidationErrors Errors)> CheckCreateAsync(CreateWebhookRequest request, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var name = CheckName(request.Name, required: true, errors);
        var url = await CheckUrlAsync(request.Url, required: true, errors, cancellationToken);
        var events = CheckEvents(request.Events, required: true, errors);
        var stations = CheckStations(request.Stations, errors);
        var header = CheckSecretHeader(request.SecretHeader, allowEmpty: false, errors);
        var value = CheckSecretValue(request.SecretValue, allowEmpty: false, errors);
        var secretHeader = WebhookSecretHeaderRule.Pair(header, value, errors);
        var rateLimit = CheckRateLimit(request.RateLimit, allowZero: false, errors);
        var ordering = CheckOrdering(request.Ordering, errors);
        if (!errors.IsEmpty) return (null, errors);
        var settings = new WebhookSettings(name!, new Uri(url!), request.Enabled ?? true, events!, stations is { Count: > 0 } ? stations : null, secretHeader,
            rateLimit, ordering ?? WebhookOrdering.None);
        return (settings, errors);
    }

    public async Task<(WebhookPatch? Patch, ValidationErrors Errors)> CheckUpdateAsync(UpdateWebhookRequest request, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var patch = new WebhookPatch(
            CheckName(request.Name, required: false, errors),
            await CheckUrlAsync(request.Url, required: false, errors, cancellationToken) is { } url ? new Uri(url) : null,
            request.Enabled,
            CheckEvents(request.Events, required: false, errors),
            CheckStations(request.Stations, errors),
            CheckSecretHeader(request.SecretHeader, allowEmpty: true, errors),
            CheckSecretValue(request.SecretValue, allowEmpty: request.SecretHeader is "", errors),
            CheckRateLimit(request.RateLimit, allowZero: true, errors),
            CheckOrdering(request.Ordering, errors));
        return (errors.IsEmpty ? patch : null, errors);
    }

    /// <summary>Deliveries per second, 1-10,000; in a change, 0 removes the limit.</summary>
    private static int? CheckRateLimit(int? rateLimit, bool allowZero, ValidationErrors errors)
    {
        if (rateLimit is null or (>= WebhookLimits.MinRateLimit and <= WebhookLimits.MaxRateLimit) || (allowZero && rateLimit == 0)) return rateLimit;
        errors.Add("rate_limit", $"Deliveries per second from {WebhookLimits.MinRateLimit} to {WebhookLimits.MaxRateLimit}" +
            (allowZero ? ", or 0 to remove the limit." : ", or null for none."));
        return null;
    }

    /// <summary><c>"none"</c> or <c>"station"</c>, spelled exactly; null keeps (or defaults) the value.</summary>
    private static string? CheckOrdering(string? ordering, ValidationErrors errors)
    {
        if (ordering is null || WebhookOrdering.All.Contains(ordering)) return ordering;
        errors.Add("ordering", $"One of {string.Join(", ", WebhookOrdering.All.Select(o => $"\"{o}\""))}: \"{WebhookOrdering.Station}\" delivers each station's events " +
            "in the order the gateway answered them.");
        return null;
    }

    private static string? CheckName(string? name, bool required, ValidationErrors errors)
    {
        if (name is null)
        {
            if (required) errors.Add("name", "The name is required.");
            return null;
        }

        if (string.IsNullOrWhiteSpace(name)) errors.Add("name", "The name must not be empty.");
        else if (name.Length > WebhookLimits.NameLength) errors.Add("name", $"The name may be at most {WebhookLimits.NameLength} characters long.");
        else if (DisplayNames.Problem(name) is { } problem) errors.Add("name", problem);
        return name;
    }

    private async Task<string?> CheckUrlAsync(string? url, bool required, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (url is null)
        {
            if (required) errors.Add("url", "The url is required.");
            return null;
        }

        if (url.Length > WebhookLimits.UrlLength)
        {
            errors.Add("url", $"The url may be at most {WebhookLimits.UrlLength} characters long.");
            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            errors.Add("url", "The url must be an absolute http:// or https:// URL.");
            return null;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add("url", "The url must not contain credentials; use secret_header and secret_value instead.");
            return null;
        }

        if (!sending.Value.AllowPrivateNetworks && !await IsHostAllowedAsync(uri.IdnHost, cancellationToken))
        {
            errors.Add("url", $"The host {uri.Host} resolves only to loopback, private or link-local addresses, which webhooks may not call.");
        }

        return url;
    }

    private static async Task<bool> IsHostAllowedAsync(string host, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(WebhookLimits.DnsTimeout);
        try
        {
            var allowed = await NetworkAddressPolicy.ResolveAllowedAsync(host, allowPrivateNetworks: false, deadline.Token);
            return allowed.Length > 0;
        }
        catch (SocketException)
        {
            return true; // does not resolve (yet): the connect-time check still applies
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }

    private static IReadOnlyList<string>? CheckEvents(IReadOnlyList<string>? events, bool required, ValidationErrors errors)
    {
        if (events is null)
        {
            if (required) errors.Add("events", $"At least one event is required. Valid events: {ValidEvents}.");
            return null;
        }

        if (events.Count == 0)
        {
            errors.Add("events", $"At least one event is required. Valid events: {ValidEvents}.");
            return null;
        }

        if (events.Count > MaxEventEntries)
        {
            errors.Add("events", $"At most {MaxEventEntries} entries.");
            return null;
        }

        var unknown = events.Where(e => e != EventCatalogue.Wildcard && (e is null || !(EventCatalogue.IsKnown(e) || EventCatalogue.IsOperational(e)))).ToList();
        foreach (var name in unknown)
        {
            errors.Add("events", name is null
                ? $"An event name must not be null. Valid events: {ValidEvents}."
                : $"Unknown event '{name}' (names are case-sensitive). Valid events: {ValidEvents}.");
        }

        if (unknown.Count > 0) return null;

        // "*" subscribes to everything, so it stands alone; duplicates are dropped, order kept.
        // "*" stands for every station event, not for the operational ones, which stay named beside it.
        return events.Contains(EventCatalogue.Wildcard)
            ? [EventCatalogue.Wildcard, .. events.Where(EventCatalogue.IsOperational).Distinct(StringComparer.Ordinal)]
            : events.Distinct(StringComparer.Ordinal).ToList();
    }

    private static IReadOnlyList<string>? CheckStations(IReadOnlyList<string>? stations, ValidationErrors errors)
    {
        if (stations is null) return null;
        if (stations.Count > WebhookLimits.StationCount)
        {
            errors.Add("stations", $"At most {WebhookLimits.StationCount} stations.");
            return null;
        }

        foreach (var station in stations)
        {
            if (string.IsNullOrWhiteSpace(station) || station.Length > WebhookLimits.StationIdLength || station.Any(char.IsControl))
            {
                errors.Add("stations", $"Each station id must be 1 to {WebhookLimits.StationIdLength} characters, without control characters.");
                return null;
            }
        }

        return stations.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string? CheckSecretHeader(string? header, bool allowEmpty, ValidationErrors errors)
    {
        if (header is null || (allowEmpty && header.Length == 0)) return header;
        if (header.Length == 0 || header.Length > WebhookLimits.SecretHeaderLength || !HttpToken.IsToken(header))
        {
            errors.Add("secret_header", $"The secret header must be a valid HTTP header name (RFC 7230 token, 1 to {WebhookLimits.SecretHeaderLength} characters), e.g. X-Webhook-Secret.");
        }
        else if (WebhookHeaders.Reserved.Contains(header))
        {
            errors.Add("secret_header", $"'{header}' is reserved (set by HTTP or by Pipelet); choose another name, e.g. X-Webhook-Secret.");
        }

        return header;
    }

    private static Secret? CheckSecretValue(Secret? secret, bool allowEmpty, ValidationErrors errors)
    {
        var value = secret?.Value;
        if (value is null || (allowEmpty && value.Length == 0)) return secret;
        if (value.Length == 0 || value.Length > WebhookLimits.SecretValueLength)
        {
            errors.Add("secret_value", $"The secret value must be 1 to {WebhookLimits.SecretValueLength} characters long.");
        }
        else if (!value.All(c => c is >= ' ' and <= '~') || value[0] == ' ' || value[^1] == ' ')
        {
            errors.Add("secret_value", "The secret value must be printable ASCII without leading or trailing spaces (it travels as an HTTP header value).");
        }

        return secret;
    }
}
