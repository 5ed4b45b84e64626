namespace Pipelet.LocalServers;

/// <summary>
/// How to run one local server process: what a test runs as a <see cref="ChildProcess"/> and what the
/// AppHost hands to Aspire as an executable resource. A null environment value removes the variable.
/// </summary>
public sealed record ServerCommand(
    string FileName,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string?> Environment,
    string WorkingDirectory);
