namespace Pipelet.Gateway.Authorization;

/// <summary>OCPP 1.6 IdTagInfo: the verdict on an idTag, sent in Authorize/Start/StopTransaction.conf.</summary>
internal sealed record IdTagInfo(string Status, DateTimeOffset? ExpiryDate = null, string? ParentIdTag = null)
{
    public static readonly IdTagInfo Accepted = new("Accepted");
}
