namespace Pipelet.Simulator.Ocpp.Messages;

/// <summary>Status is Accepted, Blocked, Expired, Invalid or ConcurrentTx.</summary>
internal sealed record IdTagInfo(string Status, DateTimeOffset? ExpiryDate = null, string? ParentIdTag = null)
{
    public bool IsAccepted => Status == "Accepted";
}
