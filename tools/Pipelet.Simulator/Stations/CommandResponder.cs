using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pipelet.Simulator.Ocpp;
using Pipelet.Simulator.Ocpp.Commands;
using Pipelet.Simulator.Ocpp.Messages;

namespace Pipelet.Simulator.Stations;

/// <summary>
/// Answers the CSMS's CALLs the way a cooperative OCPP 1.6 charger does, so the gateway's command API
/// can be exercised end to end: plausible CALLRESULTs for the whole CSMS-initiated set, NotImplemented
/// for unknown actions, FormationViolation for payloads that do not match the action.
/// </summary>
internal static class CommandResponder
{
    private static readonly HashSet<string> Triggerable =
    [
        OcppActions.BootNotification, OcppActions.DiagnosticsStatusNotification, OcppActions.FirmwareStatusNotification,
        OcppActions.Heartbeat, OcppActions.MeterValues, OcppActions.StatusNotification,
    ];

    public static CommandAnswer Answer(string action, ReadOnlySpan<byte> payload, IChargePointState station)
    {
        var context = OcppJsonContext.Default;
        try
        {
            return action switch
            {
                OcppActions.Reset => Reset(Read(payload, context.ResetRequest)),
                OcppActions.RemoteStartTransaction => RemoteStart(Read(payload, context.RemoteStartTransactionRequest), station),
                OcppActions.RemoteStopTransaction => RemoteStop(Read(payload, context.RemoteStopTransactionRequest), station),
                OcppActions.GetConfiguration => CommandAnswer.Result(station.Configuration.Read(Read(payload, context.GetConfigurationRequest).Key), context.GetConfigurationResponse),
                OcppActions.ChangeConfiguration => ChangeConfiguration(Read(payload, context.ChangeConfigurationRequest), station),
                OcppActions.ClearCache => Accepted(payload),
                OcppActions.ChangeAvailability => ChangeAvailability(Read(payload, context.ChangeAvailabilityRequest), station),
                OcppActions.UnlockConnector => Status(IsConnector(Read(payload, context.UnlockConnectorRequest).ConnectorId, station) ? "Unlocked" : "NotSupported"),
                OcppActions.TriggerMessage => TriggerMessage(Read(payload, context.TriggerMessageRequest), station),
                OcppActions.GetDiagnostics => GetDiagnostics(Read(payload, context.GetDiagnosticsRequest), station),
                OcppActions.UpdateFirmware => Empty(Read(payload, context.UpdateFirmwareRequest)),
                OcppActions.ReserveNow => ReserveNow(Read(payload, context.ReserveNowRequest), station),
                OcppActions.CancelReservation => Empty(Read(payload, context.CancelReservationRequest), StatusResponse.Accepted),
                OcppActions.SendLocalList => SendLocalList(Read(payload, context.SendLocalListRequest), station),
                OcppActions.GetLocalListVersion => LocalListVersion(payload, station),
                OcppActions.DataTransfer => Empty(Read(payload, context.DataTransferRequest), new DataTransferResponse("UnknownVendorId")),
                OcppActions.SetChargingProfile => Empty(Read(payload, context.SetChargingProfileRequest), StatusResponse.Accepted),
                OcppActions.ClearChargingProfile => Empty(Read(payload, context.ClearChargingProfileRequest), StatusResponse.Accepted),
                OcppActions.GetCompositeSchedule => Empty(Read(payload, context.GetCompositeScheduleRequest), StatusResponse.Rejected),
                _ => CommandAnswer.Error(OcppErrorCodes.NotImplemented, $"Unknown action '{action}'."),
            };
        }
        catch (JsonException exception)
        {
            return CommandAnswer.Error(OcppErrorCodes.FormationViolation, $"Payload is not a valid {action}.req: {exception.Message}");
        }
    }

    private static CommandAnswer Reset(ResetRequest request) =>
        request.Type is "Hard" or "Soft"
            ? Status("Accepted")
            : CommandAnswer.Error(OcppErrorCodes.PropertyConstraintViolation, "type must be Hard or Soft.");

    private static CommandAnswer RemoteStart(RemoteStartTransactionRequest request, IChargePointState station)
    {
        var connectorOk = request.ConnectorId is null || request.ConnectorId == station.Session.ConnectorId;
        var accepted = connectorOk && station.Session.RequestRemoteStart(request.IdTag);
        return Status(accepted ? "Accepted" : "Rejected") with { SessionChanged = accepted };
    }

    private static CommandAnswer RemoteStop(RemoteStopTransactionRequest request, IChargePointState station)
    {
        var accepted = station.Session.RequestRemoteStop(request.TransactionId);
        return Status(accepted ? "Accepted" : "Rejected") with { SessionChanged = accepted };
    }

    private static CommandAnswer ChangeConfiguration(ChangeConfigurationRequest request, IChargePointState station) =>
        Status(station.Configuration.Change(request.Key, request.Value));

    private static CommandAnswer ChangeAvailability(ChangeAvailabilityRequest request, IChargePointState station)
    {
        if (request.Type is not ("Operative" or "Inoperative"))
        {
            return CommandAnswer.Error(OcppErrorCodes.PropertyConstraintViolation, "type must be Operative or Inoperative.");
        }

        if (request.ConnectorId != 0 && !IsConnector(request.ConnectorId, station)) return Status("Rejected");
        // A connector in a transaction changes availability when the transaction ends.
        return Status(station.Session.TransactionId is null ? "Accepted" : "Scheduled");
    }

    private static CommandAnswer TriggerMessage(TriggerMessageRequest request, IChargePointState station)
    {
        if (!Triggerable.Contains(request.RequestedMessage)) return Status("NotImplemented");
        if (request.ConnectorId is { } connector && connector != 0 && !IsConnector(connector, station)) return Status("Rejected");
        return Status("Accepted") with { Trigger = request.RequestedMessage };
    }

    private static CommandAnswer GetDiagnostics(GetDiagnosticsRequest request, IChargePointState station)
    {
        _ = request;
        return CommandAnswer.Result(new GetDiagnosticsResponse($"diagnostics-{station.StationId}.log"), OcppJsonContext.Default.GetDiagnosticsResponse);
    }

    private static CommandAnswer ReserveNow(ReserveNowRequest request, IChargePointState station)
    {
        if (!IsConnector(request.ConnectorId, station) && request.ConnectorId != 0) return Status("Rejected");
        return Status(station.Session.TransactionId is null ? "Accepted" : "Occupied");
    }

    private static CommandAnswer SendLocalList(SendLocalListRequest request, IChargePointState station)
    {
        if (request.UpdateType is not ("Full" or "Differential"))
        {
            return CommandAnswer.Error(OcppErrorCodes.PropertyConstraintViolation, "updateType must be Full or Differential.");
        }

        station.LocalListVersion = request.ListVersion;
        return Status("Accepted");
    }

    private static CommandAnswer LocalListVersion(ReadOnlySpan<byte> payload, IChargePointState station)
    {
        RequireObject(payload);
        return CommandAnswer.Result(new GetLocalListVersionResponse(station.LocalListVersion), OcppJsonContext.Default.GetLocalListVersionResponse);
    }

    private static CommandAnswer Accepted(ReadOnlySpan<byte> payload)
    {
        RequireObject(payload);
        return Status("Accepted");
    }

    /// <summary>A confirmation that does not depend on the request, once the request has been read.</summary>
    private static CommandAnswer Empty<TRequest>(TRequest request, object? response = null)
    {
        _ = request;
        return response switch
        {
            null => CommandAnswer.Result(EmptyPayload.Instance, OcppJsonContext.Default.EmptyPayload),
            StatusResponse status => CommandAnswer.Result(status, OcppJsonContext.Default.StatusResponse),
            DataTransferResponse data => CommandAnswer.Result(data, OcppJsonContext.Default.DataTransferResponse),
            _ => throw new ArgumentOutOfRangeException(nameof(response)),
        };
    }

    private static CommandAnswer Status(string status) => CommandAnswer.Result(new StatusResponse(status), OcppJsonContext.Default.StatusResponse);

    private static bool IsConnector(int connectorId, IChargePointState station) => connectorId >= 1 && connectorId <= station.ConnectorCount;

    private static T Read<T>(ReadOnlySpan<byte> payload, JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(payload, type) ?? throw new JsonException("payload is null");

    private static void RequireObject(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("payload is not an object");
    }
}
