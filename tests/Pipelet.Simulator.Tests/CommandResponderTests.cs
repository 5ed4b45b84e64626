using System.Text;
using Pipelet.Simulator.Ocpp;
using Pipelet.Simulator.Ocpp.Commands;
using Pipelet.Simulator.Ocpp.Messages;
using Pipelet.Simulator.Stations;

namespace Pipelet.Simulator.Tests;

public sealed class CommandResponderTests
{
    private sealed class Station : IChargePointState
    {
        public Station()
        {
            var random = new Random(1);
            Session = new ChargingSession(1, new MeterSampler(random), SessionPlan.From(TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5), 1), random);
        }

        public string StationId => "SIM-00001";

        public int ConnectorCount => 1;

        public StationConfiguration Configuration { get; } = new(TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(60));

        public ChargingSession Session { get; }

        public int LocalListVersion { get; set; }
    }

    [Theory]
    [InlineData("Reset", """{"type":"Soft"}""", """{"status":"Accepted"}""")]
    [InlineData("ClearCache", "{}", """{"status":"Accepted"}""")]
    [InlineData("UnlockConnector", """{"connectorId":1}""", """{"status":"Unlocked"}""")]
    [InlineData("UnlockConnector", """{"connectorId":3}""", """{"status":"NotSupported"}""")]
    [InlineData("ChangeAvailability", """{"connectorId":0,"type":"Inoperative"}""", """{"status":"Accepted"}""")]
    [InlineData("RemoteStartTransaction", """{"idTag":"ABC"}""", """{"status":"Accepted"}""")]
    [InlineData("RemoteStartTransaction", """{"idTag":"ABC","connectorId":2}""", """{"status":"Rejected"}""")]
    [InlineData("RemoteStopTransaction", """{"transactionId":5}""", """{"status":"Rejected"}""")]
    [InlineData("ChangeConfiguration", """{"key":"HeartbeatInterval","value":"60"}""", """{"status":"Accepted"}""")]
    [InlineData("ChangeConfiguration", """{"key":"HeartbeatInterval","value":"soon"}""", """{"status":"Rejected"}""")]
    [InlineData("ChangeConfiguration", """{"key":"NumberOfConnectors","value":"2"}""", """{"status":"Rejected"}""")]
    [InlineData("ChangeConfiguration", """{"key":"Colour","value":"red"}""", """{"status":"NotSupported"}""")]
    [InlineData("TriggerMessage", """{"requestedMessage":"Heartbeat"}""", """{"status":"Accepted"}""")]
    [InlineData("TriggerMessage", """{"requestedMessage":"SignCertificate"}""", """{"status":"NotImplemented"}""")]
    [InlineData("GetDiagnostics", """{"location":"ftp://example.com/"}""", """{"fileName":"diagnostics-SIM-00001.log"}""")]
    [InlineData("UpdateFirmware", """{"location":"https://example.com/fw.bin","retrieveDate":"2026-04-14T12:00:00Z"}""", "{}")]
    [InlineData("ReserveNow", """{"connectorId":1,"expiryDate":"2026-04-14T12:00:00Z","idTag":"A","reservationId":3}""", """{"status":"Accepted"}""")]
    [InlineData("CancelReservation", """{"reservationId":3}""", """{"status":"Accepted"}""")]
    [InlineData("SendLocalList", """{"listVersion":4,"updateType":"Full","localAuthorizationList":[{"idTag":"A"}]}""", """{"status":"Accepted"}""")]
    [InlineData("DataTransfer", """{"vendorId":"com.example"}""", """{"status":"UnknownVendorId"}""")]
    [InlineData("SetChargingProfile", """{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1}}""", """{"status":"Accepted"}""")]
    [InlineData("ClearChargingProfile", "{}", """{"status":"Accepted"}""")]
    [InlineData("GetCompositeSchedule", """{"connectorId":1,"duration":3600}""", """{"status":"Rejected"}""")]
    public void Answers_commands_like_a_cooperative_charger(string action, string request, string expected)
    {
        var answer = CommandResponder.Answer(action, Encoding.UTF8.GetBytes(request), new Station());

        Assert.Null(answer.ErrorCode);
        Assert.Equal(expected, Serialize(answer));
    }

    [Fact]
    public void An_unknown_action_gets_NotImplemented()
    {
        var answer = CommandResponder.Answer("Teleport", "{}"u8, new Station());

        Assert.Equal(OcppErrorCodes.NotImplemented, answer.ErrorCode);
    }

    [Theory]
    [InlineData("Reset", "{}")]
    [InlineData("Reset", """{"type":1}""")]
    [InlineData("RemoteStopTransaction", """{"transactionId":"five"}""")]
    [InlineData("ClearCache", "[]")]
    public void A_payload_that_does_not_fit_the_action_gets_FormationViolation(string action, string request)
    {
        var answer = CommandResponder.Answer(action, Encoding.UTF8.GetBytes(request), new Station());

        Assert.Equal(OcppErrorCodes.FormationViolation, answer.ErrorCode);
    }

    [Fact]
    public void A_bad_enumeration_value_gets_PropertyConstraintViolation()
    {
        var answer = CommandResponder.Answer("Reset", """{"type":"Gentle"}"""u8, new Station());

        Assert.Equal(OcppErrorCodes.PropertyConstraintViolation, answer.ErrorCode);
    }

    [Fact]
    public void GetConfiguration_lists_known_keys_and_names_unknown_ones()
    {
        var station = new Station();
        CommandResponder.Answer("ChangeConfiguration", """{"key":"HeartbeatInterval","value":"60"}"""u8, station);

        var some = (GetConfigurationResponse)CommandResponder.Answer("GetConfiguration", """{"key":["HeartbeatInterval","Colour"]}"""u8, station).Payload!;
        var all = (GetConfigurationResponse)CommandResponder.Answer("GetConfiguration", "{}"u8, station).Payload!;

        Assert.Equal(new KeyValue("HeartbeatInterval", false, "60"), Assert.Single(some.ConfigurationKey!));
        Assert.Equal(new[] { "Colour" }, some.UnknownKey);
        Assert.True(all.ConfigurationKey!.Count > 20);
        Assert.Null(all.UnknownKey);
        Assert.Equal(TimeSpan.FromSeconds(60), station.Configuration.Heartbeat);
    }

    [Fact]
    public void Commands_that_make_the_station_act_say_so()
    {
        var station = new Station();

        var trigger = CommandResponder.Answer("TriggerMessage", """{"requestedMessage":"StatusNotification","connectorId":1}"""u8, station);
        var start = CommandResponder.Answer("RemoteStartTransaction", """{"idTag":"ABC","connectorId":1}"""u8, station);
        var local = CommandResponder.Answer("SendLocalList", """{"listVersion":9,"updateType":"Differential"}"""u8, station);
        var version = CommandResponder.Answer("GetLocalListVersion", "{}"u8, station);

        Assert.Equal("StatusNotification", trigger.Trigger);
        Assert.True(start.SessionChanged);
        Assert.Equal(SessionStep.StatusPreparing, station.Session.Step);
        Assert.Null(local.ErrorCode);
        Assert.Equal("""{"listVersion":9}""", Serialize(version));
    }

    private static string Serialize(CommandAnswer answer) =>
        System.Text.Json.JsonSerializer.Serialize(answer.Payload, answer.PayloadType!);
}
