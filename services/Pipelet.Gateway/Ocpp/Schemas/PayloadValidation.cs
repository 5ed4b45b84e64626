using System.Text;
using System.Text.Json;

namespace Pipelet.Gateway.Ocpp.Schemas;

/// <summary>One way a payload breaks its message definition, with the CALLERROR code it earns.</summary>
internal sealed record PayloadError(string Path, string ErrorCode, string Message);

/// <summary>
/// Every error found in one payload, in document order; the first decides the CALLERROR. It also tracks
/// where the validation stands (properties and array indexes from the payload's root), so that a path
/// such as <c>meterValue[0].sampledValue[1].unit</c> is written out only when there is an error to name.
/// </summary>
internal sealed class PayloadValidation
{
    [ThreadStatic]
    private static PayloadValidation? t_reused;

    private List<PayloadError>? _errors;
    private readonly List<(JsonProperty Property, int Index)> _path = [];

    /// <summary>
    /// An empty validation kept per thread, for a check that runs start to end without awaiting (every CALL's
    /// payload): it and its path list are not allocated again for each frame. Read its errors before the next use.
    /// </summary>
    public static PayloadValidation ForThisThread()
    {
        var validation = t_reused ??= new PayloadValidation();
        validation._errors = null;
        validation._path.Clear();
        return validation;
    }

    public bool IsValid => _errors is null;

    public IReadOnlyList<PayloadError> Errors => (IReadOnlyList<PayloadError>?)_errors ?? [];

    public PayloadError First => _errors is { Count: > 0 } errors ? errors[0] : throw new InvalidOperationException("The payload is valid.");

    /// <summary>True while the payload itself (not one of its values) is being checked.</summary>
    public bool AtRoot => _path.Count == 0;

    /// <summary>Where the validation stands, e.g. <c>meterValue[0].sampledValue[1].unit</c>; empty at the root.</summary>
    public string Path
    {
        get
        {
            var path = new StringBuilder();
            foreach (var (property, index) in _path)
            {
                if (index >= 0) path.Append('[').Append(index).Append(']');
                else (path.Length == 0 ? path : path.Append('.')).Append(property.Name);
            }

            return path.ToString();
        }
    }

    /// <summary>The path of a field of the value being checked.</summary>
    public string PathOf(string fieldName) => AtRoot ? fieldName : $"{Path}.{fieldName}";

    /// <summary>How an error message names the value being checked.</summary>
    public string Describe() => AtRoot ? "The payload" : $"'{Path}'";

    public void Enter(JsonProperty property) => _path.Add((property, -1));

    public void Enter(int index) => _path.Add((default, index));

    public void Leave() => _path.RemoveAt(_path.Count - 1);

    /// <summary>An error of the value being checked.</summary>
    public void Add(string errorCode, string message) => Add(Path, errorCode, message);

    public void Add(string path, string errorCode, string message) => (_errors ??= []).Add(new PayloadError(path, errorCode, message));

    /// <summary>Field errors in the shape of an RFC 7807 validation problem (<c>errors</c> by field path).</summary>
    public Dictionary<string, string[]> ToDictionary() =>
        Errors.GroupBy(e => e.Path.Length == 0 ? "$" : e.Path)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
}
