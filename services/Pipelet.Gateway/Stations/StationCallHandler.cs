using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Authorization;
using Pipelet.Gateway.Events;
using Pipelet.Gateway.Ocpp;
using Pipelet.Gateway.Ocpp.Schemas;
using Pipelet.Gateway.Transactions;

namespace Pipelet.Gateway.Stations;

/// <summary>
/// Answers one CALL from a station: validates it against its 1.6 message definition, publishes its
/// event and waits for the broker's confirm, and only then writes the CALLRESULT. Anything that
/// keeps the event from being stored becomes an InternalError, so the station retries.
/// </summary>
internal sealed class StationCallHandler(
    StationEventPublisher events,
    TransactionLedger transactions,
    IIdTagAuthorizer authorizer,
    IOptions<GatewayOptions> options,
    GatewayMetrics metrics,
    ILogger<StationCallHandler> logger)
{
    public async Task HandleAsync(StationSession session, CallFrame call, DateTimeOffset receivedAt, PooledBuffer output, CancellationToken cancellationToken)
    {
        using var activity = GatewayTracing.StartCall(session.StationId, call.Action, call.MessageId);
        var outcome = Refuse(call, output);
        if (outcome is null)
        {
            try
            {
                await AnswerValidAsync(session, call, receivedAt, output, cancellationToken);
                outcome = "ok";
            }
            catch (Exception ex) when (ex is EventNotStoredException or NpgsqlException or TimeoutException)
            {
                if (ex is not EventNotStoredException)
                {
                    logger.LogWarning(ex, "{Action} of station {StationId} failed", call.Action, session.StationId);
                }

                output.Clear();
                OcppFrameWriter.WriteCallError(output, call.MessageId, OcppErrorCode.InternalError,
                    "The message could not be stored; send it again later.");
                outcome = OcppErrorCode.InternalError;
            }
        }

        if (outcome != "ok") activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome);
        metrics.Calls.Add(1, new KeyValuePair<string, object?>("action", OcppSchemas.StationRequests.ContainsKey(call.Action) ? call.Action : "unknown"),
            new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>
    /// The CALLERROR for an action we do not take from a station or a payload that breaks its definition (written to
    /// <paramref name="output"/>, its code returned); null when the CALL is valid.
    /// </summary>
    private static string? Refuse(CallFrame call, PooledBuffer output)
    {
        if (!OcppSchemas.StationRequests.TryGetValue(call.Action, out var schema))
        {
            var code = OcppSchemas.RecognizedButNotSupported.Contains(call.Action) ? OcppErrorCode.NotSupported : OcppErrorCode.NotImplemented;
            OcppFrameWriter.WriteCallError(output, call.MessageId, code,
                code == OcppErrorCode.NotSupported ? $"{call.Action} is not supported from a charge point." : $"Unknown action '{Truncate(call.Action)}'.");
            return code;
        }

        var validation = PayloadValidation.ForThisThread();
        schema.Validate(call.Payload, validation);
        if (validation.IsValid) return null;

        var error = validation.First;
        OcppFrameWriter.WriteCallError(output, call.MessageId, error.ErrorCode, error.Message, details =>
        {
            details.WriteStartObject();
            details.WriteString("field", error.Path);
            details.WriteEndObject();
        });
        return error.ErrorCode;
    }

    private async Task AnswerValidAsync(StationSession session, CallFrame call, DateTimeOffset receivedAt, PooledBuffer output, CancellationToken cancellationToken)
    {
        var stationId = session.StationId;
        var payload = call.Payload;
        switch (call.Action)
        {
            case EventCatalogue.BootNotification:
                await events.PublishAsync(EventCatalogue.BootNotification, stationId, receivedAt, payload, cancellationToken);
                OcppFrameWriter.WriteCallResult(output, call.MessageId, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("status", "Accepted");
                    w.WriteString("currentTime", OcppTime.Format(events.Now()));
                    w.WriteNumber("interval", options.Value.HeartbeatInterval);
                    w.WriteEndObject();
                });
                break;

            case EventCatalogue.Heartbeat:
                await events.PublishAsync(EventCatalogue.Heartbeat, stationId, receivedAt, payload, cancellationToken);
                OcppFrameWriter.WriteCallResult(output, call.MessageId, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("currentTime", OcppTime.Format(events.Now()));
                    w.WriteEndObject();
                });
                break;

            case EventCatalogue.Authorize:
            {
                var idTagInfo = await authorizer.AuthorizeAsync(stationId, payload.GetProperty("idTag").GetString()!, cancellationToken);
                await events.PublishAsync(EventCatalogue.Authorize, stationId, receivedAt, payload, cancellationToken);
                OcppFrameWriter.WriteCallResult(output, call.MessageId, w => WriteIdTagInfoOnly(w, idTagInfo));
                break;
            }

            case EventCatalogue.StartTransaction:
            {
                var idTag = payload.GetProperty("idTag").GetString()!;
                var idTagInfo = await authorizer.AuthorizeAsync(stationId, idTag, cancellationToken);
                OcppTime.TryParse(payload.GetProperty("timestamp").GetString(), out var startedAt);
                var transactionId = await transactions.StartAsync(
                    stationId,
                    payload.GetProperty("connectorId").GetInt32(),
                    idTag,
                    startedAt,
                    payload.GetProperty("meterStart").GetInt32(),
                    payload.TryGetProperty("reservationId", out var reservation) ? reservation.GetInt32() : null,
                    cancellationToken);
                await events.PublishAsync(EventCatalogue.StartTransaction, stationId, receivedAt, WithTransactionId(payload, transactionId), cancellationToken);
                OcppFrameWriter.WriteCallResult(output, call.MessageId, w =>
                {
                    w.WriteStartObject();
                    WriteIdTagInfo(w, idTagInfo);
                    w.WriteNumber("transactionId", transactionId);
                    w.WriteEndObject();
                });
                break;
            }

            case EventCatalogue.StopTransaction:
            {
                // The central system must accept a stop (it cannot refuse one); idTag and reason are optional.
                IdTagInfo? idTagInfo = payload.TryGetProperty("idTag", out var idTag)
                    ? await authorizer.AuthorizeAsync(stationId, idTag.GetString()!, cancellationToken)
                    : null;
                OcppTime.TryParse(payload.GetProperty("timestamp").GetString(), out var stoppedAt);
                await transactions.StopAsync(stationId, payload.GetProperty("transactionId").GetInt32(), stoppedAt,
                    payload.GetProperty("meterStop").GetInt32(), cancellationToken);
                await events.PublishAsync(EventCatalogue.StopTransaction, stationId, receivedAt, payload, cancellationToken);
                OcppFrameWriter.WriteCallResult(output, call.MessageId, w =>
                {
                    w.WriteStartObject();
                    if (idTagInfo is not null) WriteIdTagInfo(w, idTagInfo);
                    w.WriteEndObject();
                });
                break;
            }

            case EventCatalogue.StatusNotification:
            case EventCatalogue.MeterValues:
                await events.PublishAsync(call.Action, stationId, receivedAt, payload, cancellationToken);
                OcppFrameWriter.WriteCallResult(output, call.MessageId, WriteEmpty);
                break;

            case EventCatalogue.DataTransfer:
                await events.PublishAsync(EventCatalogue.DataTransfer, stationId, receivedAt, payload, cancellationToken);
                OcppFrameWriter.WriteCallResult(output, call.MessageId, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("status", options.Value.DataTransferStatus);
                    w.WriteEndObject();
                });
                break;

            default:
                // DiagnosticsStatusNotification and FirmwareStatusNotification: answered per spec, but
                // they are not among the 23 catalogue events, so nothing is published for them.
                logger.LogInformation("Station {StationId} reported {Action} {Status}", stationId, call.Action,
                    payload.TryGetProperty("status", out var status) ? status.GetString() : null);
                OcppFrameWriter.WriteCallResult(output, call.MessageId, WriteEmpty);
                break;
        }
    }

    /// <summary>The station's StartTransaction body plus the transactionId we assigned, as the Event Reference shows.</summary>
    internal static JsonElement WithTransactionId(JsonElement payload, int transactionId)
    {
        using var buffer = new PooledBuffer();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in payload.EnumerateObject())
            {
                if (property.NameEquals("transactionId")) continue;
                property.WriteTo(writer);
            }

            writer.WriteNumber("transactionId", transactionId);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WriteEmpty(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteEndObject();
    }

    private static void WriteIdTagInfoOnly(Utf8JsonWriter writer, IdTagInfo info)
    {
        writer.WriteStartObject();
        WriteIdTagInfo(writer, info);
        writer.WriteEndObject();
    }

    private static void WriteIdTagInfo(Utf8JsonWriter writer, IdTagInfo info)
    {
        writer.WriteStartObject("idTagInfo");
        if (info.ExpiryDate is { } expiry) writer.WriteString("expiryDate", OcppTime.Format(expiry));
        if (info.ParentIdTag is { } parent) writer.WriteString("parentIdTag", parent);
        writer.WriteString("status", info.Status);
        writer.WriteEndObject();
    }

    private static string Truncate(string action) => action.Length <= 64 ? action : action[..64] + "…";
}
