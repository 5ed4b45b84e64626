namespace Pipelet.Simulator.Ocpp.Commands;

internal sealed record GetConfigurationRequest(IReadOnlyList<string>? Key = null);

internal sealed record GetConfigurationResponse(IReadOnlyList<KeyValue>? ConfigurationKey, IReadOnlyList<string>? UnknownKey);

internal sealed record KeyValue(string Key, bool Readonly, string? Value);

internal sealed record ChangeConfigurationRequest(string Key, string Value);
