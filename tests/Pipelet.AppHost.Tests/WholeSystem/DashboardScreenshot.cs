using Microsoft.Playwright;
using Pipelet.AppHost.Tests.Deploy;
using Pipelet.Testing;
using Xunit.Abstractions;

namespace Pipelet.AppHost.Tests.WholeSystem;

/// <summary>
/// Retakes the README's screenshot of a delivery's trace in the Aspire dashboard (<c>docs/trace-a-delivery.png</c>):
/// the AppHost on free ports, one station session delivered to a receiver, then headless Chromium on the trace's
/// page, with the delivery attempt's attributes open. Runs only when asked:
/// <c>PIPELET_SCREENSHOT=1 dotnet test tests/Pipelet.AppHost.Tests --filter DashboardScreenshot</c>.
/// </summary>
[Collection(nameof(ServiceDefaults.TelemetryExportTests))]
public sealed class DashboardScreenshot(ITestOutputHelper output)
{
    private const string BootstrapKey = "hcpms_live_screenshotkey0123456789abcdef";

    [ScreenshotFact]
    public async Task Take_the_trace_of_a_delivery()
    {
        var path = Path.Combine(Repository.Root, "docs", "trace-a-delivery.png");
        var run = TestRun.New();
        // The dashboard's pages without a login: nothing but this browser reaches the loopback port.
        var builder = await run.CreateBuilderAsync(BootstrapKey, "ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true");
        var app = await builder.BuildAsync();
        try
        {
            await TestRun.StartAsync(app);
            var traceId = (await StationSession.DeliverAHeartbeatAsync(run.ApiPort, run.OcppPort, BootstrapKey, "CP-1"))[3..35];

            using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{run.DashboardPort}/") };
            dashboard.DefaultRequestHeaders.Add("x-api-key", run.DashboardKey);
            await StationSession.PollAsync(async () =>
            {
                var spans = await DashboardSpan.ReadTraceAsync(dashboard, traceId);
                return spans.Any(s => s.Name == "ocpp Heartbeat") && spans.Any(s => s.Name == "webhook attempt");
            }, TimeSpan.FromSeconds(60), $"the dashboard has no complete trace {traceId}");

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Environment.GetEnvironmentVariable("PIPELET_CHROMIUM") ?? "/usr/bin/chromium",
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions
            {
                ViewportSize = new ViewportSize { Width = 1600, Height = 900 },
                ColorScheme = ColorScheme.Light,
            });
            await page.GotoAsync($"http://127.0.0.1:{run.DashboardPort}/traces/detail/{traceId}");
            var attempt = page.GetByText("webhook attempt", new PageGetByTextOptions { Exact = false }).First;
            await attempt.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            await attempt.ClickAsync();
            await page.GetByText("pipelet.webhook.id").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
            output.WriteLine($"Wrote {path} (trace {traceId})");
        }
        finally
        {
            await run.StopAndSweepAsync(app, TimeSpan.FromSeconds(60), output.WriteLine);
            WorkFolders.TryDelete(run.Data.FullName);
        }
    }

    /// <summary>A test that runs only with <c>PIPELET_SCREENSHOT</c> set: it rewrites a file of the repository.</summary>
    private sealed class ScreenshotFactAttribute : FactAttribute
    {
        public ScreenshotFactAttribute()
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PIPELET_SCREENSHOT")))
            {
                Skip = "Retakes docs/trace-a-delivery.png; run with PIPELET_SCREENSHOT=1";
            }
        }
    }
}
