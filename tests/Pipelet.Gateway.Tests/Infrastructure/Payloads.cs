namespace Pipelet.Gateway.Tests.Infrastructure;

/// <summary>Valid OCPP 1.6 request bodies, as a charger would send them.</summary>
internal static class Payloads
{
    public const string Boot = """{"chargePointVendor":"Pipelet","chargePointModel":"TestBox","firmwareVersion":"1.0.0"}""";
    public const string Heartbeat = "{}";
    public const string StatusAvailable = """{"connectorId":1,"errorCode":"NoError","status":"Available","timestamp":"2026-04-14T12:34:50Z"}""";
    public const string Authorize = """{"idTag":"RFID_12345678"}""";

    public static string Start(int meterStart = 12345, string timestamp = "2026-04-14T12:34:56Z", int connectorId = 1) =>
        $$"""{"connectorId":{{connectorId}},"idTag":"RFID_12345678","meterStart":{{meterStart}},"timestamp":"{{timestamp}}"}""";

    public static string Meter(int transactionId, string unit = "Wh") =>
        $$"""{"connectorId":1,"transactionId":{{transactionId}},"meterValue":[{"timestamp":"2026-04-14T12:35:56Z","sampledValue":[{"value":"13456","measurand":"Energy.Active.Import.Register","unit":"{{unit}}"},{"value":"11.2","measurand":"Power.Active.Import","unit":"kW"}]}]}""";

    public static string Stop(int transactionId) =>
        $$"""{"transactionId":{{transactionId}},"timestamp":"2026-04-14T13:42:11Z","meterStop":17340,"reason":"Local","idTag":"RFID_12345678"}""";
}
