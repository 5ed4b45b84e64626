using System.Text.Json;
using Pipelet.Gateway.Ocpp.Schemas;

namespace Pipelet.Gateway.Tests.Unit;

public sealed class PayloadValidationTests
{
    [Theory]
    [InlineData("Authorize", """{"idTag":"ABC"}""")]
    [InlineData("BootNotification", """{"chargePointVendor":"V","chargePointModel":"M","chargePointSerialNumber":"S","chargeBoxSerialNumber":"B","firmwareVersion":"1","iccid":"I","imsi":"I","meterType":"T","meterSerialNumber":"N"}""")]
    [InlineData("DataTransfer", """{"vendorId":"com.v"}""")]
    [InlineData("DiagnosticsStatusNotification", """{"status":"Uploaded"}""")]
    [InlineData("FirmwareStatusNotification", """{"status":"Installing"}""")]
    [InlineData("Heartbeat", "{}")]
    [InlineData("MeterValues", """{"connectorId":0,"meterValue":[{"timestamp":"2026-01-01T00:00:00.5+01:00","sampledValue":[{"value":"21.5","context":"Sample.Periodic","format":"Raw","measurand":"Temperature","phase":"L1-N","location":"Body","unit":"Celsius"}]}]}""")]
    [InlineData("StartTransaction", """{"connectorId":2,"idTag":"T","meterStart":-1,"reservationId":3,"timestamp":"2026-01-01T00:00:00Z"}""")]
    [InlineData("StatusNotification", """{"connectorId":0,"errorCode":"WeakSignal","info":"i","status":"Faulted","timestamp":"2026-01-01T00:00:00Z","vendorId":"v","vendorErrorCode":"e"}""")]
    [InlineData("StopTransaction", """{"meterStop":1,"timestamp":"2026-01-01T00:00:00Z","transactionId":1,"transactionData":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1"}]}]}""")]
    public void Valid_station_messages_pass(string action, string payload) =>
        Assert.True(Validate(OcppSchemas.StationRequests[action], payload).IsValid);

    [Theory]
    [InlineData("""{"status":"Done"}""", "status", "PropertyConstraintViolation")]
    [InlineData("""{"status":1}""", "status", "TypeConstraintViolation")]
    [InlineData("{}", "status", "OccurenceConstraintViolation")]
    [InlineData("""{"status":"Idle","extra":true}""", "extra", "FormationViolation")]
    public void Each_violation_names_its_field_and_code(string payload, string path, string code)
    {
        var error = Validate(OcppSchemas.StationRequests["DiagnosticsStatusNotification"], payload).First;
        Assert.Equal((path, code), (error.Path, error.ErrorCode));
    }

    [Fact]
    public void Nested_errors_carry_their_path()
    {
        var result = Validate(OcppSchemas.StationRequests["MeterValues"],
            """{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1"},{"value":2}]}]}""");
        Assert.Equal("meterValue[0].sampledValue[1].value", result.First.Path);
        Assert.Equal("TypeConstraintViolation", result.First.ErrorCode);
    }

    [Theory]
    [InlineData("""{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1","phase":"L4"}]}]}""",
        "meterValue[0].sampledValue[0].phase", "PropertyConstraintViolation")]
    [InlineData("""{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1","extra":1}]}]}""",
        "meterValue[0].sampledValue[0].extra", "FormationViolation")]
    [InlineData("""{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{}]}]}""",
        "meterValue[0].sampledValue[0].value", "OccurenceConstraintViolation")]
    [InlineData("""{"connectorId":1,"meterValue":[{"timestamp":"yesterday","sampledValue":[{"value":"1"}]}]}""",
        "meterValue[0].timestamp", "TypeConstraintViolation")]
    [InlineData("""{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[]}]}""",
        "meterValue[0].sampledValue", "OccurenceConstraintViolation")]
    public void Nested_errors_of_each_kind_name_their_path(string payload, string path, string code)
    {
        var error = Validate(OcppSchemas.StationRequests["MeterValues"], payload).First;
        Assert.Equal((path, code), (error.Path, error.ErrorCode));
        Assert.Contains($"'{path}'", error.Message);
    }

    [Theory]
    [InlineData("""{"status":"Upl\u006faded"}""", true)] // an escaped enumeration value is still that value
    [InlineData("""{"status":"Uploaded "}""", false)]
    public void Enumeration_values_are_compared_as_text_not_as_bytes(string payload, bool valid) =>
        Assert.Equal(valid, Validate(OcppSchemas.StationRequests["DiagnosticsStatusNotification"], payload).IsValid);

    [Theory]
    [InlineData("\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9", true)]
    [InlineData("éééééééééééééééééééé", true)] // 20 characters in 40 UTF-8 bytes: CiString20 counts characters
    [InlineData("ééééééééééééééééééééé", false)]
    [InlineData("ABCDEFGHIJKLMNOPQRST", true)]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU", false)]
    public void String_lengths_count_characters(string idTag, bool valid) =>
        Assert.Equal(valid, Validate(OcppSchemas.StationRequests["Authorize"], $$"""{"idTag":"{{idTag}}"}""").IsValid);

    [Theory]
    [InlineData("2026-01-01T00:00:00Z", true)]
    [InlineData("2026-01-01T00:00:00\\u005a", true)] // escaped "Z"
    [InlineData("2026-01-01T00:00:00.123456789+0200", true)]
    [InlineData("2026-01-01 00:00:00Z", false)]
    [InlineData("2026-13-01T00:00:00Z", false)]
    public void Timestamps_are_read_from_the_document_as_written(string timestamp, bool valid) =>
        Assert.Equal(valid, Validate(OcppSchemas.StationRequests["StartTransaction"],
            $$"""{"connectorId":1,"idTag":"T","meterStart":0,"timestamp":"{{timestamp}}"}""").IsValid);

    [Theory]
    [InlineData("ftp://diag.example.com/uploads/", true)]
    [InlineData("ftp://user:secret@10.0.0.5:2121/uploads", true)]
    [InlineData("https://firmware.example.com/testbox/2.0.0.bin?token=a%20b", true)]
    [InlineData("HTTPS://firmware.example.com/x.bin", true)]
    [InlineData("sftp://[2001:db8::1]/up", true)]
    [InlineData("https://bücher.example/läden/", true)] // an IRI, as anyURI allows
    [InlineData("uploads/diag", false)]
    [InlineData("/tmp/diag", false)] // System.Uri on Linux would read it as file:///tmp/diag
    [InlineData("C:\\diag", false)] // ... and this as file:///C:/diag
    [InlineData("//diag.example.com/uploads", false)]
    [InlineData("not a uri", false)]
    [InlineData(" ftp://diag.example.com/", false)]
    [InlineData("ftp://diag.example.com/a b", false)]
    [InlineData("ftp://diag.example.com/a\nb", false)]
    [InlineData("https://diag.example.com/\"x\"", false)]
    [InlineData("1ftp://diag.example.com/", false)]
    [InlineData("http://", false)]
    [InlineData("", false)]
    public void Locations_must_be_absolute_uris(string location, bool valid)
    {
        var json = JsonSerializer.Serialize(location);
        var getDiagnostics = Validate(OcppSchemas.CentralSystemRequests["GetDiagnostics"], $$"""{"location":{{json}}}""");
        var updateFirmware = Validate(OcppSchemas.CentralSystemRequests["UpdateFirmware"],
            $$"""{"location":{{json}},"retrieveDate":"2026-04-15T02:00:00Z"}""");
        foreach (var result in new[] { getDiagnostics, updateFirmware })
        {
            Assert.Equal(valid, result.IsValid);
            if (!valid) Assert.Equal(("location", "TypeConstraintViolation"), (result.First.Path, result.First.ErrorCode));
        }
    }

    [Fact]
    public void Every_error_is_collected_for_an_api_validation_problem()
    {
        var result = Validate(OcppSchemas.CentralSystemRequests["ReserveNow"], """{"connectorId":-1,"idTag":5}""");
        var errors = result.ToDictionary();
        Assert.Equal(["connectorId", "expiryDate", "idTag", "reservationId"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_command_of_the_catalogue_has_a_definition()
    {
        foreach (var command in new[] { "ChangeAvailability", "ChangeConfiguration", "ClearCache", "GetConfiguration", "RemoteStartTransaction",
                     "RemoteStopTransaction", "Reset", "UnlockConnector", "GetDiagnostics", "UpdateFirmware", "TriggerMessage", "ReserveNow",
                     "SendLocalList", "DataTransfer" })
        {
            Assert.True(OcppSchemas.CentralSystemRequests.ContainsKey(command), command);
        }
    }

    [Fact]
    public void Central_system_actions_are_recognized_but_not_supported_from_a_station()
    {
        IReadOnlySet<string> actions = OcppSchemas.RecognizedButNotSupported;
        Assert.Contains("Reset", actions);
        Assert.Contains("SecurityEventNotification", actions);
        Assert.DoesNotContain("DataTransfer", actions);
    }

    private static PayloadValidation Validate(ObjectType schema, string payload)
    {
        using var document = JsonDocument.Parse(payload);
        var result = new PayloadValidation();
        schema.Validate(document.RootElement, result);
        return result;
    }
}
