using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pipelet.Client;
using Pipelet.Testing;
using static Microsoft.Playwright.Assertions;

namespace Pipelet.Console.Tests;

/// <summary>
/// The console in a real browser (Debian's Chromium, headless) against the real system: what a subscriber does with it.
/// With <c>PIPELET_CONSOLE_SCREENSHOTS=&lt;folder&gt;</c> each main page is saved there (docs/console/ in the repository).
/// </summary>
public sealed partial class ConsoleTests(ConsoleSystem system) : IClassFixture<ConsoleSystem>
{
    [Fact]
    public async Task A_subscriber_signs_in_creates_a_webhook_tests_it_and_sees_a_station_delivery_arrive()
    {
        var page = await system.NewPageAsync();
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(request.Url);
        var policyViolations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal)) policyViolations.Add(message.Text);
        };

        await page.GotoAsync("");
        await Expect(page).ToHaveURLAsync(SignInUrl());
        await ScreenshotAsync(page, "sign-in");
        await SignInAsync(page, ConsoleSystem.BootstrapKey);

        await page.GetByRole(AriaRole.Link, new() { Name = "New webhook" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New webhook" })).ToBeVisibleAsync();
        var name = "Console " + Guid.NewGuid().ToString("N")[..6];
        await page.FillAsync("#name", name);
        await page.FillAsync("#url", "ftp://example.com/hook");
        await page.GetByLabel("BootNotification", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("StartTransaction", new() { Exact = true }).CheckAsync();
        await page.FillAsync("#secret-header", "X-Webhook-Secret");
        await page.FillAsync("#secret-value", "console-test-secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create webhook" }).ClickAsync();

        // The API's own message, next to the field it is about.
        await Expect(page.Locator(".field-error[data-field=url]")).ToContainTextAsync("absolute http:// or https:// URL");
        await ScreenshotAsync(page, "webhook-form");

        await page.FillAsync("#url", new Uri(system.ReceiverAddress, "ok").ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Create webhook" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Send test" }).ClickAsync();
        await Expect(page.Locator(".test-outcome")).ToContainTextAsync("\"ok\": true, \"status_code\": 200");

        // A station's event reaches the receiver, and its delivery shows up on the open page without a reload.
        await using var station = await TestStation.ConnectAsync(system.OcppAddress, "CONSOLE-" + Guid.NewGuid().ToString("N")[..6]);
        await station.BootAsync();
        var delivery = page.Locator("tr[data-status=succeeded]", new() { HasText = station.StationId });
        await Expect(delivery).ToBeVisibleAsync();
        await Expect(delivery).ToContainTextAsync("BootNotification");
        // The chart counts it (the log's per-minute statistics).
        await Expect(page.Locator(".key.succeeded")).Not.ToHaveTextAsync("succeeded 0");
        await ScreenshotAsync(page, "deliveries");

        // The signing secret, shown and rotated.
        await page.GetByRole(AriaRole.Button, new() { Name = "Show signing secret" }).ClickAsync();
        var secret = page.Locator(".signing-secret .secret code");
        await Expect(secret).ToHaveTextAsync(new Regex("^whsec_"));
        var before = await secret.TextContentAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate signing secret" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, rotate" }).ClickAsync();
        await Expect(page.Locator(".signing-secret .notice")).ToBeVisibleAsync();
        await Expect(secret).ToHaveTextAsync(new Regex("^whsec_"));
        await Expect(secret).Not.ToHaveTextAsync(before!);

        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
        var row = page.Locator("tr", new() { HasText = name });
        await Expect(row.Locator(".state")).ToHaveTextAsync("Enabled");
        await Expect(row.Locator(".rate strong")).ToHaveTextAsync(new Regex(@"^100\s?%$"));
        await ScreenshotAsync(page, "webhooks");

        Assert.DoesNotContain(requested, url => url.Contains(ConsoleSystem.BootstrapKey, StringComparison.Ordinal));
        Assert.DoesNotContain(system.Console.LogLines, line => line.Contains(ConsoleSystem.BootstrapKey, StringComparison.Ordinal));
        Assert.Empty(policyViolations);
    }

    [Fact]
    public async Task Failed_deliveries_show_every_attempt_and_their_request_and_are_retried_one_by_one_or_recovered()
    {
        var webhook = await CreateWebhookAsync("Flaky " + Guid.NewGuid().ToString("N")[..6], new Uri(system.ReceiverAddress, "flaky"));
        var page = await system.NewPageAsync();
        await SignInAsync(page, ConsoleSystem.BootstrapKey);
        await page.GotoAsync($"webhooks/{webhook}");
        await Expect(page.Locator(".filters")).ToBeVisibleAsync();

        // Two events; each is tried three times (the first try and two retries, 1 s apart), then dead-lettered.
        await using var station = await TestStation.ConnectAsync(system.OcppAddress, "FLAKY-" + Guid.NewGuid().ToString("N")[..6]);
        await station.BootAsync();
        await station.BootAsync();
        var failed = page.Locator("tr[data-status=failed]", new() { HasText = station.StationId });
        await Expect(failed).ToHaveCountAsync(2);
        await ScreenshotAsync(page, "deliveries-failed");
        await failed.Last.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(page.Locator(".title-row .badge")).ToHaveTextAsync("failed");
        var attempts = page.Locator("tr[data-attempt]");
        await Expect(attempts).ToHaveCountAsync(3);
        for (var i = 0; i < 3; i++)
        {
            await Expect(attempts.Nth(i)).ToContainTextAsync("500");
            await Expect(attempts.Nth(i)).ToContainTextAsync("http_status");
            await Expect(attempts.Nth(i)).ToContainTextAsync("not today: the receiver is down");
        }

        await Expect(page.Locator("pre.request")).ToContainTextAsync("\"station_id\": \"" + station.StationId + "\"");
        await Expect(page.Locator("pre.request")).ToContainTextAsync("\"event\": \"BootNotification\"");
        await ScreenshotAsync(page, "delivery");

        // One retried by hand: a new delivery on a fresh ladder, followed on its page until it succeeds.
        system.HealFlakyReceiver();
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry delivery" }).ClickAsync();
        await Expect(page.Locator(".facts")).ToContainTextAsync("Replay of");
        await Expect(page.Locator(".title-row .badge")).ToHaveTextAsync("succeeded");
        await Expect(page.Locator("tr[data-attempt]")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr[data-attempt]")).ToContainTextAsync("200");

        // The other recovered with everything dead-lettered since yesterday: only it, the first was replayed already.
        await page.GetByRole(AriaRole.Link, new() { Name = $"deliveries of webhook {webhook}" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Recover" }).ClickAsync();
        await Expect(page.Locator(".recover .notice")).ToHaveTextAsync("1 dead letter is on a fresh ladder.");
        await Expect(page.Locator("tr[data-status=succeeded]", new() { HasText = station.StationId })).ToHaveCountAsync(2);
        await Expect(page.Locator("tr[data-status=failed]", new() { HasText = station.StationId })).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task Deliveries_are_filtered_by_station_event_and_status_and_a_webhook_is_edited_disabled_and_deleted()
    {
        var name = "Filtered " + Guid.NewGuid().ToString("N")[..6];
        var webhook = await CreateWebhookAsync(name, new Uri(system.ReceiverAddress, "ok"));
        await using var first = await TestStation.ConnectAsync(system.OcppAddress, "FIRST-" + Guid.NewGuid().ToString("N")[..6]);
        await using var second = await TestStation.ConnectAsync(system.OcppAddress, "SECOND-" + Guid.NewGuid().ToString("N")[..6]);
        await first.BootAsync();
        await second.BootAsync();

        var page = await system.NewPageAsync();
        await SignInAsync(page, ConsoleSystem.BootstrapKey);
        await page.GotoAsync($"webhooks/{webhook}");
        await Expect(page.Locator("tr[data-delivery]", new() { HasText = first.StationId })).ToHaveCountAsync(1);
        await Expect(page.Locator("tr[data-delivery]", new() { HasText = second.StationId })).ToHaveCountAsync(1);

        await page.FillAsync(".filters input", second.StationId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page.Locator("tr[data-delivery]", new() { HasText = first.StationId })).ToHaveCountAsync(0);
        await Expect(page.Locator("tr[data-delivery]", new() { HasText = second.StationId })).ToHaveCountAsync(1);
        await page.Locator(".filters select").Nth(1).SelectOptionAsync("BootNotification");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page.Locator("tr[data-delivery]")).ToHaveCountAsync(1);
        // Filtered by the delivery log itself, not in the console: the list was asked for with both filters.
        await Poll.UntilAsync(() => Task.FromResult(system.Dispatcher.LogLines.Any(line =>
                line.Contains($"/api/v1/webhooks/{webhook}/deliveries?", StringComparison.Ordinal) &&
                line.Contains("event=BootNotification", StringComparison.Ordinal) &&
                line.Contains($"station_id={second.StationId}", StringComparison.Ordinal))),
            "the console asks the delivery log for BootNotification deliveries of the second station");
        await page.Locator(".filters select").Nth(0).SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page.Locator(".empty")).ToContainTextAsync("No deliveries match these filters");

        // Edited: disabled, and limited to one station; the list says so.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await Expect(page.Locator("#name")).ToHaveValueAsync(name);
        await page.Locator("#enabled").UncheckAsync();
        await page.FillAsync("#stations", first.StationId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator(".title-row .state")).ToHaveTextAsync("Disabled");
        var api = system.Client();
        var saved = await api.Webhooks.GetAsync(webhook);
        Assert.False(saved.Enabled);
        Assert.Equal([first.StationId], saved.Stations!);
        Assert.Equal(["BootNotification"], saved.Events);

        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
        var row = page.Locator("tr", new() { HasText = name });
        await Expect(row.Locator(".state")).ToHaveTextAsync("Disabled");
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Yes, delete" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.Equal(404, (await Assert.ThrowsAsync<PipeletApiException>(() => api.Webhooks.GetAsync(webhook))).Status);
    }

    [Fact]
    public async Task A_paused_webhook_and_one_disabled_as_failing_say_why_on_the_list_and_on_their_page()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await using var station = await TestStation.ConnectAsync(system.OcppAddress, "DOWN-" + suffix);
        var pausedName = "Paused " + suffix;
        var paused = await CreateWebhookAsync(pausedName, new Uri(system.ReceiverAddress, "down"), station.StationId);
        var failingName = "Failing " + suffix;
        var failing = await CreateWebhookAsync(failingName, new Uri(system.ReceiverAddress, "down"), station.StationId);

        // Paused by the dispatcher's circuit breaker: every try of four events (three tries each) fails, more in a row than it allows.
        for (var i = 0; i < 4; i++) await station.BootAsync();
        var api = system.Client();
        await Poll.UntilAsync(async () => (await api.Deliveries.GetHealthAsync(paused)).Paused,
            "the dispatcher pauses the webhook");
        // Disabled as failing, as the dispatcher asks once none of its deliveries succeeded for days (Delivery__DisableAfter).
        await system.DisableAsFailingAsync(failing, DateTimeOffset.UtcNow.AddDays(-5), 25, "HTTP 503: down for maintenance");

        var page = await system.NewPageAsync();
        await SignInAsync(page, ConsoleSystem.BootstrapKey);
        var pausedRow = page.Locator("tr", new() { HasText = pausedName });
        await Expect(pausedRow.Locator(".state")).ToHaveTextAsync("Paused");
        await Expect(pausedRow.Locator(".why")).ToContainTextAsync(PausedExplanation());
        await Expect(pausedRow.Locator(".why")).ToContainTextAsync("503");
        var failingRow = page.Locator("tr", new() { HasText = failingName });
        await Expect(failingRow.Locator(".state")).ToHaveTextAsync("Disabled: failing");
        await Expect(failingRow.Locator(".why")).ToContainTextAsync(new Regex(@"Disabled by Pipelet at \d\d:\d\d:\d\d UTC: none of its deliveries succeeded for days"));
        await ScreenshotAsync(page, "webhooks-paused-and-failing");

        await pausedRow.GetByRole(AriaRole.Link, new() { Name = pausedName }).ClickAsync();
        await Expect(page.Locator(".title-row .state")).ToHaveTextAsync("Paused");
        await Expect(page.Locator(".why")).ToContainTextAsync(PausedExplanation());
        await ScreenshotAsync(page, "webhook-paused");

        await page.GotoAsync($"webhooks/{failing}");
        await Expect(page.Locator(".title-row .state")).ToHaveTextAsync("Disabled: failing");
        await Expect(page.Locator(".why")).ToContainTextAsync("Fix the endpoint, then enable it again.");

        // Enabled again by its owner: the reason is gone.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await page.Locator("#enabled").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator(".title-row .state")).ToHaveTextAsync("Enabled");
        var saved = await api.Webhooks.GetAsync(failing);
        Assert.True(saved.Enabled);
        Assert.Null(saved.DisabledReason);
    }

    [Fact]
    public async Task A_rate_limit_is_set_with_the_APIs_own_check_shown_and_removed()
    {
        var name = "Limited " + Guid.NewGuid().ToString("N")[..6];
        var page = await system.NewPageAsync();
        await SignInAsync(page, ConsoleSystem.BootstrapKey);
        await page.GotoAsync("webhooks/new");
        await page.FillAsync("#name", name);
        await page.FillAsync("#url", new Uri(system.ReceiverAddress, "ok").ToString());
        await page.GetByLabel("Heartbeat", new() { Exact = true }).CheckAsync();
        await page.FillAsync("#rate-limit", "20000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create webhook" }).ClickAsync();
        // The API's own message, next to the field.
        await Expect(page.Locator(".field-error[data-field=rate_limit]")).ToContainTextAsync("Deliveries per second from 1 to 10000");

        await page.FillAsync("#rate-limit", "50");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create webhook" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator(".why .rate-limit")).ToHaveTextAsync("At most 50 deliveries a second; more wait their turn.");
        var id = long.Parse(new Uri(page.Url).Segments[^1], System.Globalization.CultureInfo.InvariantCulture);
        var api = system.Client();
        Assert.Equal(50, (await api.Webhooks.GetAsync(id)).RateLimit);

        // Emptied on the edit page: no limit any more.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await Expect(page.Locator("#rate-limit")).ToHaveValueAsync("50");
        await page.FillAsync("#rate-limit", "");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator(".why .rate-limit")).ToHaveCountAsync(0);
        Assert.Null((await api.Webhooks.GetAsync(id)).RateLimit);
    }

    [Fact]
    public async Task Order_per_station_is_set_on_create_shown_with_why_and_taken_off_on_edit()
    {
        const string why = "In order per station: one station's events arrive in the order they happened; a failing event holds back that station's later ones.";
        var name = "Ordered " + Guid.NewGuid().ToString("N")[..6];
        var page = await system.NewPageAsync();
        await SignInAsync(page, ConsoleSystem.BootstrapKey);
        await page.GotoAsync("webhooks/new");
        await Expect(page.Locator("#ordering-none")).ToBeCheckedAsync(); // the API's default
        await page.FillAsync("#name", name);
        await page.FillAsync("#url", new Uri(system.ReceiverAddress, "ok").ToString());
        await page.GetByLabel("Heartbeat", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("In order per station").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create webhook" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator(".why .ordering")).ToHaveTextAsync(why);
        var id = long.Parse(new Uri(page.Url).Segments[^1], System.Globalization.CultureInfo.InvariantCulture);
        var api = system.Client();
        Assert.Equal("station", (await api.Webhooks.GetAsync(id)).Ordering);

        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
        await Expect(page.Locator("tr", new() { HasText = name }).Locator(".why .ordering")).ToHaveTextAsync(why);

        // Back to any order on the edit page, which shows what is set.
        await page.GotoAsync($"webhooks/{id}/edit");
        await Expect(page.Locator("#ordering-station")).ToBeCheckedAsync();
        await page.GetByLabel("Any order").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator(".why .ordering")).ToHaveCountAsync(0);
        Assert.Equal("none", (await api.Webhooks.GetAsync(id)).Ordering);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_a_clear_message()
    {
        var page = await system.NewPageAsync();
        await page.GotoAsync("login");
        await page.FillAsync("#api-key", "hcpms_live_NotAKeyNotAKeyNotAKeyNotAKey12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.Locator(".problem")).ToContainTextAsync("Your API key was refused.");
        await Expect(page).ToHaveURLAsync(SignInUrl());
        await Expect(page.Locator("#api-key")).ToHaveValueAsync(""); // the refused key is not echoed back
        Assert.DoesNotContain(await page.Context.CookiesAsync(), cookie => cookie.Name == "pipelet-console");
    }

    [Fact]
    public async Task A_key_revoked_while_signed_in_gets_a_clear_message_and_a_way_back()
    {
        var admin = system.Client();
        var key = await admin.ApiKeys.CreateAsync(new CreateApiKey("console revocation test"));
        var secret = key.Key;

        var page = await system.NewPageAsync();
        await SignInAsync(page, secret);

        await admin.ApiKeys.RevokeAsync(key.Id);
        var revoked = system.Client(secret);
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await revoked.Webhooks.ListEventsAsync();
                return false;
            }
            catch (PipeletApiException refused) when (refused.Status == 401)
            {
                return true;
            }
        }, "the API refuses the revoked key");

        await page.GetByRole(AriaRole.Link, new() { Name = "Events" }).ClickAsync();
        await Expect(page.Locator(".problem")).ToContainTextAsync("Your API key was refused.");
        await Expect(page.Locator(".problem")).ToContainTextAsync("revoked");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in again" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(SignInUrl());
        await Expect(page.Locator(".problem")).ToContainTextAsync("Your API key was refused.");
    }

    [Fact]
    public async Task The_events_and_the_connected_stations_are_listed()
    {
        await using var station = await TestStation.ConnectAsync(system.OcppAddress, "LISTED-" + Guid.NewGuid().ToString("N")[..6]);
        await station.BootAsync();
        var page = await system.NewPageAsync();
        await SignInAsync(page, ConsoleSystem.BootstrapKey);

        await page.GetByRole(AriaRole.Link, new() { Name = "Events" }).ClickAsync();
        await Expect(page.Locator("table.events tbody tr")).ToHaveCountAsync(23);
        await Expect(page.Locator("table.events")).ToContainTextAsync("StartTransaction");
        await ScreenshotAsync(page, "events");

        await page.GetByRole(AriaRole.Link, new() { Name = "Stations" }).ClickAsync();
        await Expect(page.Locator("table.stations")).ToContainTextAsync(station.StationId);
        await ScreenshotAsync(page, "stations");
    }

    [Fact]
    public async Task Pages_forbid_framing_inline_scripts_and_caching_and_forms_need_their_antiforgery_token()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.ConsoleAddress };

        using var signIn = await http.GetAsync("login");
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var policy = string.Join(";", signIn.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(signIn.Headers.GetValues("X-Frame-Options")));
        Assert.True(signIn.Headers.CacheControl?.NoStore, "pages are not cached");

        // Signed out, a page is a redirect to the sign-in page.
        using var home = await http.GetAsync("");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.StartsWith("/login", home.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        // A form posted without the token it was served with is refused before anything happens.
        using var forged = await http.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "sign-in",
            ["Input.Key"] = ConsoleSystem.BootstrapKey,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.Contains("Set-Cookie") && forged.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("pipelet-console=", StringComparison.Ordinal)));
        using var logout = await http.PostAsync("logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
    }

    private static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("login");
        await page.FillAsync("#api-key", key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Webhooks" })).ToBeVisibleAsync();
    }

    private async Task<long> CreateWebhookAsync(string name, Uri url, string? station = null)
    {
        var webhook = await system.Client().Webhooks.CreateAsync(
            new CreateWebhook(name, url.ToString(), ["BootNotification"], Stations: station is null ? null : [station]));
        return webhook.Id;
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("PIPELET_CONSOLE_SCREENSHOTS");
        if (string.IsNullOrEmpty(folder)) return;
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    [GeneratedRegex(@"Paused since \d\d:\d\d:\d\d UTC after every recent try failed; next probe \d\d:\d\d:\d\d UTC;\s+\d+ deliver(y|ies) kept\.")]
    private static partial Regex PausedExplanation();

    [GeneratedRegex("/login")]
    private static partial Regex SignInUrl();
}
