namespace Pipelet.Simulator.Ocpp.Messages;

/// <summary>The <c>{}</c> payload of confirmations without fields (StatusNotification.conf, UpdateFirmware.conf...).</summary>
internal sealed record EmptyPayload
{
    public static readonly EmptyPayload Instance = new();
}
