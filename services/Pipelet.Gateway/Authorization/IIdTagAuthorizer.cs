namespace Pipelet.Gateway.Authorization;

/// <summary>
/// Decides whether an idTag may charge. Pipelet is headless and leaves authorization to integrators:
/// the default (<see cref="ConfiguredIdTagAuthorizer"/>) accepts every tag an operator has not listed
/// under <c>Gateway:IdTags</c>; register another implementation to decide otherwise.
/// </summary>
internal interface IIdTagAuthorizer
{
    ValueTask<IdTagInfo> AuthorizeAsync(string stationId, string idTag, CancellationToken cancellationToken);
}
