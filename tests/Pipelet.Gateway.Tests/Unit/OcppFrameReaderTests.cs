using System.Text;
using System.Text.Json;
using Pipelet.Gateway.Ocpp;

namespace Pipelet.Gateway.Tests.Unit;

public sealed class OcppFrameReaderTests
{
    [Fact]
    public void A_call_is_read_with_its_id_action_and_payload()
    {
        var frame = Read("""[2,"19223201","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]""");
        var call = Assert.IsType<CallFrame>(frame);
        Assert.Equal("19223201", call.MessageId);
        Assert.Equal("BootNotification", call.Action);
        Assert.Equal("V", call.Payload.GetProperty("chargePointVendor").GetString());
    }

    [Fact]
    public void A_call_result_and_a_call_error_are_read()
    {
        Assert.Equal("a", Assert.IsType<CallResultFrame>(Read("""[3,"a",{"status":"Accepted"}]""")).MessageId);
        var error = Assert.IsType<CallErrorFrame>(Read("""[4,"b","GenericError","boom",{"x":1}]"""));
        Assert.Equal(("b", "GenericError", "boom"), (error.MessageId, error.ErrorCode, error.ErrorDescription));
    }

    [Theory]
    [InlineData("FormatViolation", "FormationViolation")]
    [InlineData("OccurrenceConstraintViolation", "OccurenceConstraintViolation")]
    [InlineData("OccurenceConstraintViolation", "OccurenceConstraintViolation")]
    [InlineData("NotSupported", "NotSupported")]
    public void Error_codes_from_stations_are_read_in_either_spelling_and_kept_in_the_16_one(string sent, string kept) =>
        Assert.Equal(kept, Assert.IsType<CallErrorFrame>(Read($$"""[4,"c","{{sent}}","",{}]""")).ErrorCode);

    [Fact]
    public void A_call_error_without_description_or_details_is_tolerated()
    {
        var error = Assert.IsType<CallErrorFrame>(Read("""[4,"c","InternalError"]"""));
        Assert.Equal("", error.ErrorDescription);
    }

    [Theory]
    [InlineData("[5,\"x\",{}]", 5)]
    [InlineData("[0]", 0)]
    [InlineData("[99,\"x\",\"y\",{}]", 99)]
    public void An_unknown_message_type_is_recognized_so_it_can_be_ignored(string text, int type) =>
        Assert.Equal(type, Assert.IsType<UnknownTypeFrame>(Read(text)).MessageType);

    [Theory]
    [InlineData("{}", null, false, "FormationViolation")]
    [InlineData("[]", null, false, "FormationViolation")]
    [InlineData("[\"2\",\"a\",\"Heartbeat\",{}]", null, false, "FormationViolation")]
    [InlineData("[2.5,\"a\",\"Heartbeat\",{}]", null, false, "FormationViolation")]
    [InlineData("[2,7,\"Heartbeat\",{}]", null, true, "FormationViolation")]
    [InlineData("[2,\"\",\"Heartbeat\",{}]", null, true, "FormationViolation")]
    [InlineData("[2,\"1234567890123456789012345678901234567\",\"Heartbeat\",{}]", null, true, "FormationViolation")]
    [InlineData("[2,\"a\",\"Heartbeat\"]", "a", true, "ProtocolError")]
    [InlineData("[2,\"a\"]", "a", true, "ProtocolError")]
    [InlineData("[2,\"a\",\"Heartbeat\",{},1]", "a", true, "FormationViolation")]
    [InlineData("[2,\"a\",\"\",{}]", "a", true, "FormationViolation")]
    [InlineData("[2,\"a\",\"Heartbeat\",null]", "a", true, "FormationViolation")]
    [InlineData("[3,\"a\"]", "a", false, "FormationViolation")]
    [InlineData("[3,\"a\",[]]", "a", false, "FormationViolation")]
    [InlineData("[4,\"a\"]", "a", false, "FormationViolation")]
    public void Malformed_frames_name_the_code_and_the_id_when_there_is_a_valid_one(string text, string? id, bool isCall, string code)
    {
        var malformed = Assert.IsType<MalformedFrame>(Read(text));
        Assert.Equal(id, malformed.MessageId);
        Assert.Equal(isCall, malformed.IsCall);
        Assert.Equal(code, malformed.ErrorCode);
    }

    [Fact]
    public void An_id_of_exactly_36_characters_is_valid() =>
        Assert.IsType<CallFrame>(Read("""[2,"123456789012345678901234567890123456","Heartbeat",{}]"""));

    [Theory]
    [InlineData("[2,\"big1\",\"DataTransfer\",{\"vendorId\":\"v\",\"data\":\"xxxx", 2, "big1")]
    [InlineData("[3,\"r1\",{\"configurationKey\":[{\"key", 3, "r1")]
    [InlineData("[2,\"1234567890123456789012345678901234567\",\"Data", 2, null)]
    [InlineData("garbage", 0, null)]
    [InlineData("[2,", 2, null)]
    public void The_type_and_id_of_a_frame_too_large_to_keep_are_read_from_its_first_bytes(string prefix, int type, string? id) =>
        Assert.Equal((type, id), OcppFrameReader.Peek(Encoding.UTF8.GetBytes(prefix)));

    [Fact]
    public void Frames_are_written_as_compact_ocpp_j()
    {
        using var buffer = new PooledBuffer(16);
        OcppFrameWriter.WriteCallError(buffer, "m1", OcppErrorCode.OccurenceConstraintViolation, "missing");
        Assert.Equal("""[4,"m1","OccurenceConstraintViolation","missing",{}]""", Encoding.UTF8.GetString(buffer.WrittenSpan));

        buffer.Clear();
        using var payload = JsonDocument.Parse("""{"type":"Soft"}""");
        OcppFrameWriter.WriteCall(buffer, "c1", "Reset", payload.RootElement);
        Assert.Equal("""[2,"c1","Reset",{"type":"Soft"}]""", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static OcppFrame Read(string text)
    {
        var document = JsonDocument.Parse(text);
        return OcppFrameReader.Read(document);
    }
}
