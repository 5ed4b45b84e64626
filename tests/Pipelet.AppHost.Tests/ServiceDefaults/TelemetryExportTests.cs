using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelet.AppHost.Hosting;

namespace Pipelet.AppHost.Tests.ServiceDefaults;

/// <summary>
/// A service built with AddServiceDefaults, pointed by configuration at a tiny OTLP/HTTP collector,
/// really exports its traces, metrics and logs, named by OTEL_SERVICE_NAME, and flushes them at stop.
/// </summary>
public sealed class TelemetryExportTests
{
    private static readonly ActivitySource Source = new("Pipelet.Tests.Telemetry");
    private static readonly Meter Meter = new("Pipelet.Tests.Telemetry");
    private static readonly Counter<long> Work = Meter.CreateCounter<long>("pipelet.tests.work");

    [Fact]
    public async Task Traces_metrics_and_logs_reach_the_collector_and_health_probes_are_left_out()
    {
        using var collector = new OtlpHttpCollector();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
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

        var traces = collector.Text("/v1/traces");
        var metrics = collector.Text("/v1/metrics");
        var logs = collector.Text("/v1/logs");
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
    public void Nothing_is_registered_without_an_endpoint()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddServiceDefaults();
        using var app = builder.Build();

        Assert.Null(app.Services.GetService(typeof(OpenTelemetry.Trace.TracerProvider)));
    }

    /// <summary>Accepts OTLP/HTTP posts and keeps their bodies by path (protobuf keeps strings as UTF-8).</summary>
    private sealed class OtlpHttpCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _received = new();
        private readonly Task _loop;

        public OtlpHttpCollector()
        {
            var port = FreePort.Next();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public string Text(string path) =>
            string.Concat(_received.Where(r => r.Path == path).Select(r => Encoding.UTF8.GetString(r.Body)));

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _received.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
