namespace Pipelet.Subscriptions.OpenApi;

/// <summary>The examples the OpenAPI document shows, taken from the public Webhooks Overview and Event Reference.</summary>
internal static class ApiExamples
{
    public const string CreateWebhook = """
        {"name":"My Integration","url":"https://my-app.example.com/webhooks/ocpp","enabled":true,
         "events":["StartTransaction","StopTransaction","StatusNotification","MeterValues"],
         "secret_header":"X-Webhook-Secret","secret_value":"my-secret-value-here"}
        """;

    public const string UpdateWebhook = """{"events":["*"],"stations":["WALLBOX_001"],"secret_value":"my-new-secret"}""";

    public const string Webhook = """
        {"id":42,"name":"My Integration","url":"https://my-app.example.com/webhooks/ocpp","enabled":true,
         "events":["StartTransaction","StopTransaction","StatusNotification","MeterValues"],"stations":null,
         "secret_header":"X-Webhook-Secret","has_secret":true,
         "created_at":"2026-04-14T12:00:00.000+00:00","updated_at":"2026-04-14T12:00:00.000+00:00",
         "disabled_reason":null,"disabled_at":null,"rate_limit":null,"ordering":"none"}
        """;

    public const string WebhookPage = "{\"items\":[" + Webhook + "],\"next_cursor\":null}";

    public const string TestResult = """{"ok":true,"status_code":200,"duration_ms":124}""";

    public const string Events = """
        [{"name":"Authorize","direction":"StationToCsms","description":"A station is verifying an idTag with the central system.","kind":"station"},
         {"name":"StartTransaction","direction":"StationToCsms","description":"A charging session begins.","kind":"station"},
         {"name":"DataTransfer","direction":"Both","description":"Vendor-specific data exchange.","kind":"station"},
         {"name":"Reset","direction":"CsmsToStation","description":"The CSMS sends a Soft or Hard reset.","kind":"station"},
         {"name":"Connect","direction":"Internal","description":"A station opens its OCPP WebSocket connection.","kind":"station"},
         {"name":"WebhookDisabled","direction":"Internal","description":"Pipelet disabled a webhook whose deliveries kept failing: its id, name, url, last error and since when none succeeded.","kind":"operational"}]
        """;

    public const string CreateApiKey = """{"name":"billing-integration","scopes":["webhooks:read","deliveries:read"]}""";

    public const string CreatedApiKey = """
        {"id":2,"name":"billing-integration","key":"hcpms_live_3xAmPle0nLyN0tAReAlKeY0000000000",
         "prefix":"hcpms_live_3xAm","scopes":["webhooks:read","deliveries:read"],"created_at":"2026-04-14T12:00:00.000+00:00"}
        """;

    public const string ApiKeyPage = """
        {"items":[{"id":2,"name":"billing-integration","prefix":"hcpms_live_3xAm","scopes":["webhooks:read","deliveries:read"],
         "created_at":"2026-04-14T12:00:00.000+00:00","last_used_at":"2026-04-14T12:05:00.000+00:00","revoked_at":null}],
         "next_cursor":null}
        """;

    public const string SigningSecret = """{"signing_secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}""";
}
