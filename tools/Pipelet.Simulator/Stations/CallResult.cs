namespace Pipelet.Simulator.Stations;

internal enum CallOutcome
{
    Answered,
    CallError,
    TimedOut,
    Disconnected,
}

/// <summary>How a CALL ended: the CALLRESULT payload (read with the call's response type, when it has one) or why not.</summary>
internal readonly record struct CallResult(CallOutcome Outcome, object? Response = null, string? ErrorCode = null)
{
    public bool Answered => Outcome == CallOutcome.Answered;
}
