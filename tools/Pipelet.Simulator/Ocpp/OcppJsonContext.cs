using System.Text.Json.Serialization;
using Pipelet.Simulator.Ocpp.Commands;
using Pipelet.Simulator.Ocpp.Messages;

namespace Pipelet.Simulator.Ocpp;

/// <summary>
/// Source-generated serializers for every OCPP payload the simulator writes or reads: camelCase as in
/// the OCPP schemas, absent optional fields left out, missing required fields rejected.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true,
    Converters = [typeof(UtcTimestampConverter)])]
// Station -> CSMS
[JsonSerializable(typeof(BootNotificationRequest))]
[JsonSerializable(typeof(BootNotificationResponse))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(StatusNotificationRequest))]
[JsonSerializable(typeof(AuthorizeRequest))]
[JsonSerializable(typeof(AuthorizeResponse))]
[JsonSerializable(typeof(StartTransactionRequest))]
[JsonSerializable(typeof(StartTransactionResponse))]
[JsonSerializable(typeof(StopTransactionRequest))]
[JsonSerializable(typeof(StopTransactionResponse))]
[JsonSerializable(typeof(MeterValuesRequest))]
[JsonSerializable(typeof(DiagnosticsStatusNotificationRequest))]
[JsonSerializable(typeof(FirmwareStatusNotificationRequest))]
[JsonSerializable(typeof(EmptyPayload))]
// CSMS -> station
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(ResetRequest))]
[JsonSerializable(typeof(RemoteStartTransactionRequest))]
[JsonSerializable(typeof(RemoteStopTransactionRequest))]
[JsonSerializable(typeof(GetConfigurationRequest))]
[JsonSerializable(typeof(GetConfigurationResponse))]
[JsonSerializable(typeof(ChangeConfigurationRequest))]
[JsonSerializable(typeof(TriggerMessageRequest))]
[JsonSerializable(typeof(UnlockConnectorRequest))]
[JsonSerializable(typeof(ChangeAvailabilityRequest))]
[JsonSerializable(typeof(ReserveNowRequest))]
[JsonSerializable(typeof(CancelReservationRequest))]
[JsonSerializable(typeof(SendLocalListRequest))]
[JsonSerializable(typeof(GetLocalListVersionResponse))]
[JsonSerializable(typeof(GetDiagnosticsRequest))]
[JsonSerializable(typeof(GetDiagnosticsResponse))]
[JsonSerializable(typeof(UpdateFirmwareRequest))]
[JsonSerializable(typeof(DataTransferRequest))]
[JsonSerializable(typeof(DataTransferResponse))]
[JsonSerializable(typeof(SetChargingProfileRequest))]
[JsonSerializable(typeof(ClearChargingProfileRequest))]
[JsonSerializable(typeof(GetCompositeScheduleRequest))]
internal sealed partial class OcppJsonContext : JsonSerializerContext;
