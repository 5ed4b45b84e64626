namespace Pipelet.Contracts.Events;

/// <summary>One entry of the event catalogue: a name a webhook can subscribe to.</summary>
public sealed record EventDefinition(string Name, EventDirection Direction, string Description);
