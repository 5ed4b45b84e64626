namespace Pipelet.Simulator.Ocpp.Commands;

/// <summary>The <c>{"status": ...}</c> confirmation most CSMS commands share.</summary>
internal sealed record StatusResponse(string Status)
{
    public static readonly StatusResponse Accepted = new("Accepted");
    public static readonly StatusResponse Rejected = new("Rejected");
}
