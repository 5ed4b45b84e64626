using System.Diagnostics;
using System.Text.Json.Serialization.Metadata;

namespace Pipelet.Simulator.Stations;

/// <summary>The one CALL a station has in flight (OCPP-J allows one per direction).</summary>
internal sealed class PendingCall(string action, string messageId, JsonTypeInfo? responseType)
{
    private readonly TaskCompletionSource<CallResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Action { get; } = action;

    public string MessageId { get; } = messageId;

    public JsonTypeInfo? ResponseType { get; } = responseType;

    public long SentTimestamp { get; private set; }

    public Task<CallResult> Completion => _completion.Task;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(SentTimestamp);

    public void MarkSent() => SentTimestamp = Stopwatch.GetTimestamp();

    public void Complete(CallResult result) => _completion.TrySetResult(result);
}
