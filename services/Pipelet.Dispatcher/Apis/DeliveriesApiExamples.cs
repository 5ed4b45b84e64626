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

    public const string DeliveryPage = "{\"items\":[" + DeliverySummary + "],\"next_before\":null}";

    public const string DeliveryDetail = """
        {"delivery_id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000aa",
         "event":"StartTransaction","station_id":"WALLBOX_001","status":"succeeded","attempt_count":1,
         "created_at":"2026-04-14T12:34:56.8+00:00","updated_at":"2026-04-14T12:34:56.95+00:00","next_attempt_at":null,"replay_of":null,
         "attempts":[{"attempt":1,"attempted_at":"2026-04-14T12:34:56.83+00:00","duration_ms":124.0,"status_code":200,"error_kind":null,"error":null,"response_body":"ok","retry_after":null}]}
        """;

    public const string FailedPage = """{"items":[],"next_before":null}""";

    public const string Failed = """
        {"delivery_id":"0196a1b2-0000-7000-8000-000000000001","webhook_id":42,"event_id":"0196a1b2-0000-7000-8000-0000000000aa",
         "event":{"event":"StartTransaction","station_id":"WALLBOX_001"},"webhook":{"id":42,"url":"https://my-app.example.com/webhooks/ocpp"},
         "attempts":[],"failed_at":"2026-04-15T14:00:00+00:00","retried_at":null,"retry_delivery_id":null}
        """;

    public const string ReplayStarted = """{"delivery_id":"0196a1b2-0000-7000-8000-000000000002","replay_of":"0196a1b2-0000-7000-8000-000000000001"}""";

    public const string Recover = """{"since":"2026-04-14T00:00:00Z"}""";

    public const string RecoverStarted = """{"webhook_id":42,"since":"2026-04-14T00:00:00+00:00","recovered":1,"deliveries":[""" + ReplayStarted + "]}";
}
