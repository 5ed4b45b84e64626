namespace Pipelet.Gateway.Authorization;

/// <summary>
/// Decides whether an idTag may charge. Pipelet is headless and leaves authorization to integrators,
/// so the default accepts every tag; register another implementation to change that.
/// </summary>
internal interface IIdTagAuthorizer
{
    ValueTask<IdTagInfo> AuthorizeAsync(string stationId, string idTag, CancellationToken cancellationToken);
}

internal sealed class AcceptEveryIdTag : IIdTagAuthorizer
{
    public ValueTask<IdTagInfo> AuthorizeAsync(string stationId, string idTag, CancellationToken cancellationToken) =>
        ValueTask.FromResult(IdTagInfo.Accepted);
}
