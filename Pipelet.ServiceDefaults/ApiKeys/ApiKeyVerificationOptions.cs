using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Pipelet.ServiceDefaults.ApiKeys;

/// <summary>Where another service checks the keys it is shown: the subscription service's internal endpoint.</summary>
public sealed class ApiKeyVerificationOptions
{
    public const string MissingAddress =
        "The subscription service's internal address is missing: set services__subscriptions__internal__0 " +
        "(the AppHost does this for you). It checks every X-API-Key this service is shown.";

    public Uri? SubscriptionsAddress { get; set; }

    /// <summary>Aspire's named endpoint <c>services__subscriptions__internal__0</c>, else its plain <c>http</c> one.</summary>
    internal static void Bind(ApiKeyVerificationOptions options, IConfiguration configuration) =>
        options.SubscriptionsAddress ??= configuration.TryGetServiceUri("subscriptions", "internal", out var named) ? named
            : configuration.TryGetServiceUri("subscriptions", out var plain) ? plain
            : null;
}
