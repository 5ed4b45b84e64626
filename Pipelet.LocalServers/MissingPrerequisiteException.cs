namespace Pipelet.LocalServers;

/// <summary>A program the local system needs is not installed; the message says how to install it.</summary>
public sealed class MissingPrerequisiteException(string message) : Exception(message);
