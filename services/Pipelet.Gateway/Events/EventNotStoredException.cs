namespace Pipelet.Gateway.Events;

/// <summary>The broker did not confirm an event in time: whatever it records must not be acknowledged.</summary>
internal sealed class EventNotStoredException(string eventName, Exception? inner)
    : Exception($"The {eventName} event was not confirmed by the broker.", inner);
