namespace Pipelet.Simulator.Ocpp;

/// <summary>The first element of every OCPP-J frame (J 4.1.3).</summary>
internal enum MessageType
{
    Call = 2,
    CallResult = 3,
    CallError = 4,
}
