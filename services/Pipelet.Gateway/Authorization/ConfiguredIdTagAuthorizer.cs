using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using Pipelet.Gateway.Ocpp.Schemas;

namespace Pipelet.Gateway.Authorization;

/// <summary>
/// The default policy: a tag listed under <c>Gateway:IdTags</c> gets the status given there (a lost card
/// <c>Blocked</c>, say), every other tag is <c>Accepted</c>, so a deployment without the setting behaves as
/// before. Read once at start: the answer to a station must not depend on a half-reloaded file.
/// </summary>
internal sealed class ConfiguredIdTagAuthorizer(IOptions<GatewayOptions> options) : IIdTagAuthorizer
{
    // IdToken is a CiString20: case-insensitive. One IdTagInfo per listed tag, so an answer allocates nothing.
    private readonly FrozenDictionary<string, IdTagInfo> _listed = options.Value.IdTags
        .ToFrozenDictionary(t => t.Key, t => t.Value == IdTagInfo.Accepted.Status ? IdTagInfo.Accepted : new IdTagInfo(t.Value),
            StringComparer.OrdinalIgnoreCase);

    public ValueTask<IdTagInfo> AuthorizeAsync(string stationId, string idTag, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_listed.GetValueOrDefault(idTag, IdTagInfo.Accepted));
}

/// <summary>Refuses at start, naming the entry, a <c>Gateway:IdTags</c> status OCPP 1.6 does not define or a tag no station can send.</summary>
internal sealed class IdTagListValidator : IValidateOptions<GatewayOptions>
{
    /// <summary>OCPP 1.6 AuthorizationStatus, spelled as stations expect it (case-sensitive): the schema's own list.</summary>
    private static readonly IReadOnlyCollection<string> Statuses = OcppSchemas.AuthorizationStatus.Values;

    private const int IdTokenMaxLength = 20;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        foreach (var (idTag, status) in options.IdTags)
        {
            if (!Statuses.Contains(status, StringComparer.Ordinal))
            {
                failures.Add($"Gateway:IdTags:{idTag} is '{status}'; it must be one of {string.Join(", ", Statuses)} (spelled exactly so).");
            }

            if (idTag.Length is 0 or > IdTokenMaxLength)
            {
                failures.Add($"Gateway:IdTags:{idTag} is not an idTag: OCPP 1.6 idTags are 1 to {IdTokenMaxLength} characters, so no station could send it.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
