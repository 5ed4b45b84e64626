namespace Pipelet.Gateway.Apis;

/// <summary>The examples the OpenAPI document shows for the stations API.</summary>
internal static class StationsApiExamples
{
    public const string Station = """{"station_id":"WALLBOX_001","connected_since":"2026-04-14T12:00:00+00:00","last_message_at":"2026-04-14T12:34:56.789+00:00","instance_id":"gateway-1"}""";

    public const string StationPage = "{\"items\":[" + Station + "],\"next_cursor\":null}";

    public const string Reset = """{"type":"Soft"}""";

    public const string ResetAnswered = """{"station_id":"WALLBOX_001","action":"Reset","response":{"status":"Accepted"}}""";
}
