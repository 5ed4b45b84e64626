namespace Pipelet.Gateway.Ocpp.Schemas;

/// <summary>One way a payload breaks its message definition, with the CALLERROR code it earns.</summary>
internal sealed record PayloadError(string Path, string ErrorCode, string Message);

/// <summary>Every error found in one payload, in document order; the first decides the CALLERROR.</summary>
internal sealed class PayloadValidation
{
    private List<PayloadError>? _errors;

    public bool IsValid => _errors is null;

    public IReadOnlyList<PayloadError> Errors => (IReadOnlyList<PayloadError>?)_errors ?? [];

    public PayloadError First => _errors is { Count: > 0 } errors ? errors[0] : throw new InvalidOperationException("The payload is valid.");

    public void Add(string path, string errorCode, string message) => (_errors ??= []).Add(new PayloadError(path, errorCode, message));

    /// <summary>Field errors in the shape of an RFC 7807 validation problem (<c>errors</c> by field path).</summary>
    public Dictionary<string, string[]> ToDictionary() =>
        Errors.GroupBy(e => e.Path.Length == 0 ? "$" : e.Path)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
}
