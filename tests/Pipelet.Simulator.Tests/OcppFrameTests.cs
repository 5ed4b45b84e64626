using System.Text;
using Pipelet.Simulator.Ocpp;
using Pipelet.Simulator.Ocpp.Commands;
using Pipelet.Simulator.Ocpp.Messages;

namespace Pipelet.Simulator.Tests;

public sealed class OcppFrameTests
{
    private static readonly DateTimeOffset Noon = new(2026, 4, 14, 12, 34, 56, 789, TimeSpan.Zero);

    [Fact]
    public void A_call_is_a_four_element_array_with_a_string_id()
    {
        Assert.Equal("""[2,"17","Heartbeat",{}]""", Call(17, OcppActions.Heartbeat, HeartbeatRequest.Instance));
    }

    [Fact]
    public void Payloads_are_camel_case_with_utc_millisecond_timestamps_and_no_absent_fields()
    {
        var start = new StartTransactionRequest(1, "RFID_12345678", 12345, Noon.ToOffset(TimeSpan.FromHours(2)));

        Assert.Equal(
            """[2,"1","StartTransaction",{"connectorId":1,"idTag":"RFID_12345678","meterStart":12345,"timestamp":"2026-04-14T12:34:56.789Z"}]""",
            Call(1, OcppActions.StartTransaction, start));
    }

    [Fact]
    public void StopTransaction_may_leave_out_reason_and_idTag()
    {
        var stop = new StopTransactionRequest(17340, Noon, 42);

        Assert.Equal(
            """[2,"2","StopTransaction",{"meterStop":17340,"timestamp":"2026-04-14T12:34:56.789Z","transactionId":42}]""",
            Call(2, OcppActions.StopTransaction, stop));
    }

    [Fact]
    public void MeterValues_carry_sampled_values_as_strings()
    {
        var request = new MeterValuesRequest(1, [new MeterValue(Noon, [new SampledValue("13456", Measurand: "Energy.Active.Import.Register", Unit: "Wh")])], 42);

        Assert.Equal(
            """[2,"3","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-04-14T12:34:56.789Z","sampledValue":[{"value":"13456","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}],"transactionId":42}]""",
            Call(3, OcppActions.MeterValues, request));
    }

    [Fact]
    public void A_call_result_echoes_the_id()
    {
        using var output = new PooledBufferWriter();
        OcppFrameWriter.WriteCallResult(output, "abc-1", StatusResponse.Accepted, OcppJsonContext.Default.StatusResponse);

        Assert.Equal("""[3,"abc-1",{"status":"Accepted"}]""", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void A_call_error_has_code_description_and_empty_details()
    {
        using var output = new PooledBufferWriter();
        OcppFrameWriter.WriteCallError(output, "x", OcppErrorCodes.NotImplemented, "Unknown action 'Foo'.");

        Assert.Equal("""[4,"x","NotImplemented","Unknown action 'Foo'.",{}]""", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Reads_a_call_from_the_csms()
    {
        var parsed = IncomingFrame.TryParse(Bytes("""[2, "m-1", "Reset", {"type": "Soft"}]"""), out var frame, out _, out _);

        Assert.True(parsed);
        Assert.Equal(MessageType.Call, frame.Type);
        Assert.Equal("m-1", frame.MessageId);
        Assert.Equal("Reset", frame.Action);
        Assert.Equal("""{"type": "Soft"}""", Encoding.UTF8.GetString(frame.Payload.Span));
    }

    [Fact]
    public void Reads_results_and_errors()
    {
        Assert.True(IncomingFrame.TryParse(Bytes("""[3,"5",{"currentTime":"2026-04-14T12:34:56Z"}]"""), out var result, out _, out _));
        Assert.Equal(MessageType.CallResult, result.Type);
        Assert.Equal("5", result.MessageId);
        Assert.Equal("""{"currentTime":"2026-04-14T12:34:56Z"}""", Encoding.UTF8.GetString(result.Payload.Span));

        Assert.True(IncomingFrame.TryParse(Bytes("""[4,"6","OccurenceConstraintViolation","missing idTag",{}]"""), out var error, out _, out _));
        Assert.Equal(MessageType.CallError, error.Type);
        Assert.Equal("OccurenceConstraintViolation", error.ErrorCode);
        Assert.Equal("missing idTag", error.ErrorDescription);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("""[3,6,{}]""")]
    [InlineData("""[3,"6"]""")]
    [InlineData("""[3,"6",{},1]""")]
    [InlineData("""[4,"6","GenericError",{}]""")]
    [InlineData("""["3","6",{}]""")]
    public void Rejects_frames_that_break_ocpp_j(string text)
    {
        Assert.False(IncomingFrame.TryParse(Bytes(text), out _, out var unknownType, out var problem));
        Assert.False(unknownType);
        Assert.NotNull(problem);
    }

    [Fact]
    public void Flags_an_unknown_message_type_so_it_can_be_ignored()
    {
        Assert.False(IncomingFrame.TryParse(Bytes("""[7,"1",{}]"""), out _, out var unknownType, out _));
        Assert.True(unknownType);
    }

    [Fact]
    public void Reads_timestamps_with_offsets_and_fractions()
    {
        var response = System.Text.Json.JsonSerializer.Deserialize(
            """{"status":"Accepted","currentTime":"2026-04-14T14:34:56.1+02:00","interval":300}""",
            OcppJsonContext.Default.BootNotificationResponse)!;

        Assert.Equal(new DateTimeOffset(2026, 4, 14, 12, 34, 56, 100, TimeSpan.Zero), response.CurrentTime);
        Assert.Equal(300, response.Interval);
    }

    [Fact]
    public void A_confirmation_without_a_required_field_does_not_read()
    {
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize(
            """{"idTagInfo":{"status":"Accepted"}}""", OcppJsonContext.Default.StartTransactionResponse));
    }

    private static string Call(long id, string action, object payload)
    {
        using var output = new PooledBufferWriter();
        OcppFrameWriter.WriteCall(output, id, action, payload, OcppJsonContext.Default.GetTypeInfo(payload.GetType())!);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
