namespace Pipelet.Simulator.Ocpp.Messages;

internal sealed record AuthorizeRequest(string IdTag);

internal sealed record AuthorizeResponse(IdTagInfo IdTagInfo);
