using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelet.Testing;

namespace Pipelet.AppHost.Tests.ServiceDefaults;

/// <summary>
/// A service built with AddServiceDefaults, pointed by configuration at a tiny OTLP/HTTP collector,
/// really exports its traces, metrics and logs, named by OTEL_SERVICE_NAME, and flushes them at stop.
/// Activity listeners are process-wide: run alone, or another test's HttpClient calls to <c>/health</c>
/// would be exported by this test's provider and read as probes that were not left out.
/// </summary>
[Collection(nameof(TelemetryExportTests))]
public sealed class TelemetryExportTests
{
    private static readonly ActivitySource Source = new("Pipelet.Tests.Telemetry");
    private static readonly Meter Meter = new("Pipelet.Tests.Telemetry");
    private static readonly Counter<long> Work = Meter.CreateCounter<long>("pipelet.tests.work");

    [Theory]
    [InlineData("http/protobuf")]
    [InlineData("grpc")]
    public async Task Traces_metrics_and_logs_reach_the_collector_and_health_probes_are_left_out(string protocol)
    {
        await using var collector = await OtlpCollector.StartAsync(grpc: protocol == "grpc");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["OTEL_SERVICE_NAME"] = "otlp-probe-service",
        });
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/work", (ILoggerFactory loggers) =>
        {
            using var activity = Source.StartActivity("pipelet-own-span");
            Work.Add(1);
            loggers.CreateLogger("Pipelet.Tests").LogInformation("did-the-work");
            return "ok";
        });

        await app.StartAsync();
        try
        {
            var address = new Uri(app.Urls.First());
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(address, "/health"), StringComparison.Ordinal);
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(address, "/work"), StringComparison.Ordinal);
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(address, "/alive"), StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync(); // providers flush here
        }

        var traces = collector.Text("trace");
        var metrics = collector.Text("metrics");
        var logs = collector.Text("logs");
        Assert.Contains("otlp-probe-service", traces, StringComparison.Ordinal);
        Assert.Contains("pipelet-own-span", traces, StringComparison.Ordinal);
        Assert.Contains("GET /work", traces, StringComparison.Ordinal);
        Assert.Contains("http.response.status_code", traces, StringComparison.Ordinal);
        Assert.DoesNotContain("/health", traces, StringComparison.Ordinal);
        Assert.DoesNotContain("/alive", traces, StringComparison.Ordinal);
        Assert.Contains("otlp-probe-service", metrics, StringComparison.Ordinal);
        Assert.Contains("pipelet.tests.work", metrics, StringComparison.Ordinal);
        Assert.Contains("http.server.request.duration", metrics, StringComparison.Ordinal);
        Assert.Contains("otlp-probe-service", logs, StringComparison.Ordinal);
        Assert.Contains("did-the-work", logs, StringComparison.Ordinal);
    }

    /// <summary>
    /// A bare HTTP/1.1 GET over a socket: an HttpClient here would add client spans of its own (this
    /// process listens to System.Net.Http too), which would carry the paths we look for.
    /// </summary>
    private static async Task<string> GetAsync(Uri address, string path)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {address.Authority}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public void Without_an_endpoint_nothing_listens()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddServiceDefaults();
        builder.AddNpgsqlDataSource("db", settings => settings.ConnectionString = "Host=127.0.0.1;Database=unused");
        using var app = builder.Build();

        Assert.Null(app.Services.GetService(typeof(OpenTelemetry.Trace.TracerProvider)));
        Assert.Null(Source.StartActivity("unexported"));
    }
}

[CollectionDefinition(nameof(TelemetryExportTests), DisableParallelization = true)]
public sealed class TelemetryExportCollection;
