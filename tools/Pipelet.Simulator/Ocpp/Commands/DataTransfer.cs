namespace Pipelet.Simulator.Ocpp.Commands;

internal sealed record DataTransferRequest(string VendorId, string? MessageId = null, string? Data = null);

/// <summary>Status is Accepted, Rejected, UnknownMessageId or UnknownVendorId.</summary>
internal sealed record DataTransferResponse(string Status, string? Data = null);
