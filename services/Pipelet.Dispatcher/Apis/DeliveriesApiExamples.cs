namespace Pipelet.Dispatcher.Apis;

/// <summary>The examples the OpenAPI document shows for the delivery log API.</summary>
internal static class DeliveriesApiExamples
{
    public const string DeliverySummary = """
        {"delivery_id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000aa",
         "event":"StartTransaction","station_id":"WALLBOX_001","status":"succeeded","attempts":1,
         "created_at":"2026-04-14T12:34:56.8+00:00","updated_at":"2026-04-14T12:34:56.95+00:00",
         "next_attempt_at":null,"last_status_code":200,"last_error":null,"replay_of":null}
        """;

    public const string DeliveryPage = "{\"items\":[" + DeliverySummary + "],\"next_cursor\":null}";

    public const string DeliveryStats = """
        {"webhook_id":42,"since":"2026-04-13T12:35:10+00:00",
         "totals":{"succeeded":1180,"retrying":2,"paused":0,"failed":3,"cancelled":0},
         "last_error":{"delivery_id":"0196a1b2-0000-7000-8000-000000000002","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000ab",
          "event":"MeterValues","station_id":"WALLBOX_001","status":"retrying","attempts":2,
          "created_at":"2026-04-14T12:30:01+00:00","updated_at":"2026-04-14T12:30:07+00:00",
          "next_attempt_at":"2026-04-14T12:30:37+00:00","last_status_code":503,"last_error":"503 Service Unavailable","replay_of":null},
         "per_minute":[{"minute":"2026-04-14T11:36:00+00:00","succeeded":12,"retrying":0,"paused":0,"failed":0,"cancelled":0},
          {"minute":"2026-04-14T12:35:00+00:00","succeeded":9,"retrying":1,"paused":0,"failed":0,"cancelled":0}]}
        """;

    public const string DeliveryDetail = """
        {"delivery_id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000aa",
         "event":"StartTransaction","station_id":"WALLBOX_001","status":"succeeded","attempt_count":1,
         "created_at":"2026-04-14T12:34:56.8+00:00","updated_at":"2026-04-14T12:34:56.95+00:00","next_attempt_at":null,"replay_of":null,
         "attempts":[{"attempt":1,"attempted_at":"2026-04-14T12:34:56.83+00:00","duration_ms":124.0,"status_code":200,"error_kind":null,"error":null,"response_body":"ok","retry_after":null}]}
        """;

    public const string FailedPage = """{"items":[],"next_cursor":null}""";

    public const string Failed = """
        {"delivery_id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000aa",
         "event":{"event":"StartTransaction","station_id":"WALLBOX_001"},"webhook":{"id":42,"url":"https://my-app.example.com/webhooks/ocpp"},
         "attempts":[],"failed_at":"2026-04-15T14:00:00+00:00","retried_at":null,"retry_delivery_id":null}
        """;

    public const string ReplayStarted = """{"delivery_id":"0196a1b2-0000-7000-8000-000000000002","replay_of":"0196a1b2-0000-7000-8000-000000000001"}""";

    public const string Recover = """{"since":"2026-04-14T00:00:00Z"}""";

    public const string RecoverStarted = """{"webhook_id":42,"since":"2026-04-14T00:00:00+00:00","recovered":1,"deliveries":[""" + ReplayStarted + "]}";
}
