namespace Pipelet.Simulator.Ocpp.Commands;

/// <summary>Type is Hard or Soft.</summary>
internal sealed record ResetRequest(string Type);
