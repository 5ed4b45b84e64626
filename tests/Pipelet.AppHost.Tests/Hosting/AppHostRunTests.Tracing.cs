using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipelet.AppHost.Hosting;
using Pipelet.AppHost.Tests.ServiceDefaults;
using Pipelet.Testing;

namespace Pipelet.AppHost.Tests.Hosting;

/// <summary>
/// One trace per event, end to end, as an OTLP backend sees it: the whole system exports to a collector;
/// a station's CALL reaches a webhook whose <c>traceparent</c> names a trace that both the gateway and the
/// dispatcher exported spans of. The dispatcher's delivery metrics reach the same collector.
/// </summary>
public sealed partial class AppHostRunTests
{
    [Fact]
    public async Task A_station_CALL_the_bus_hop_and_the_delivery_attempt_share_one_trace_in_the_OTLP_export()
    {
        await using var collector = await OtlpCollector.StartAsync(grpc: false);
        var hits = new ConcurrentQueue<(string Event, string? TraceParent)>();
        await using var receiver = await LoopbackServer.StartAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            hits.Enqueue((body.RootElement.GetProperty("event").GetString()!, request.Headers.TraceParent.ToString()));
            return Results.Ok();
        }));

        var data = WorkFolders.Create("pipelet-apphost-trace-");
        var apiPort = FreePort.Next();
        var ocppPort = FreePort.Next();
        while (ocppPort == apiPort) ocppPort = FreePort.Next();
        var log = new OutputLog();
        var appHost = ChildProcess.Start("apphost", DotNetHost.Path, [AppHostAssemblyPath()], new Dictionary<string, string?>
        {
            ["AppHost__ApiPort"] = apiPort.ToString(CultureInfo.InvariantCulture),
            ["AppHost__OcppPort"] = ocppPort.ToString(CultureInfo.InvariantCulture),
            ["AppHost__DataDirectory"] = data.FullName,
            ["ConnectionStrings__rabbitmq"] = null,
            ["ConnectionStrings__postgres"] = null,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["NO_COLOR"] = "1",
        }, output: log.Add);
        try
        {
            await log.WaitForAsync("All resources are up", appHost.Exited, TimeSpan.FromMinutes(4));
            var key = log.FirstMatch(GeneratedKey()) ?? throw new Xunit.Sdk.XunitException("No generated API key:\n" + log.Tail(40));
            using var api = new HttpClient { BaseAddress = new Uri($"http://localhost:{apiPort}/") };
            api.DefaultRequestHeaders.Add("X-API-Key", key);
            using var created = await api.PostAsync("api/v1/webhooks", new StringContent(
                $$"""{"name":"traced","url":"{{receiver.Address}}hook","events":["Heartbeat"],"secret_header":"X-Webhook-Secret","secret_value":"trace-secret-value"}""",
                Encoding.UTF8, "application/json"));
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

            // Heartbeats until one is delivered: the dispatcher learns of the new webhook over the bus a moment later.
            using var station = new ClientWebSocket();
            station.Options.AddSubProtocol("ocpp1.6");
            await station.ConnectAsync(new Uri($"ws://localhost:{ocppPort}/ocpp/CP-TRACE"), CancellationToken.None);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            for (var call = 1; hits.IsEmpty && DateTime.UtcNow < deadline; call++)
            {
                await CallAsync(station, $$"""[2,"{{call}}","Heartbeat",{}]""");
                await Task.Delay(500);
            }

            var (eventName, traceParent) = Assert.Single(hits.Take(1));
            Assert.Equal("Heartbeat", eventName);
            Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", traceParent);
            var traceId = Convert.FromHexString(traceParent![3..35]);
            Assert.NotEqual(new byte[16], traceId);

            // Exports are batched (every few seconds): wait until the dispatcher's attempt span of that trace is in.
            var trace = Convert.ToHexStringLower(traceId);
            List<ExportedSpan> spans = [];
            await WaitUntilAsync(() =>
            {
                spans = [.. OtlpSpans.Read(collector.Bodies("trace")).Where(s => s.TraceId == trace)];
                return spans.Any(s => s.Name == "webhook attempt");
            }, TimeSpan.FromSeconds(30));

            // The shape an OTLP backend shows: the station's CALL at the root, the publish under it, the bus hop,
            // and the dispatcher's fan-out and attempt under that; the receiver's traceparent names a span of it.
            var received = Assert.Single(spans, s => s.Name == "ocpp Heartbeat");
            Assert.Null(received.ParentSpanId);
            var publish = Assert.Single(spans, s => s.Name.EndsWith(" publish", StringComparison.Ordinal) && s.ParentSpanId == received.SpanId);
            var fanOut = Assert.Single(spans, s => s.Name == "station event fan-out");
            Assert.Equal(publish.SpanId, fanOut.ParentSpanId);
            var attempt = Assert.Single(spans, s => s.Name == "webhook attempt");
            Assert.Equal(fanOut.SpanId, attempt.ParentSpanId);
            Assert.All([received, publish], s => Assert.Equal("gateway", s.Service));
            Assert.All([fanOut, attempt], s => Assert.Equal("dispatcher", s.Service));
            var hitSpan = traceParent[36..52];
            Assert.True(hitSpan == attempt.SpanId || spans.Any(s => s.SpanId == hitSpan && s.ParentSpanId == attempt.SpanId),
                $"The receiver's traceparent names span {hitSpan}, which is neither the attempt nor a child of it:\n" + string.Join('\n', spans));

            // The delivery metrics the issue names, flushed when the services stop: deliveries by outcome, the
            // attempt latency histogram and the retry queue depths (dead letters appear with the first one).
            await appHost.StopAsync(TimeSpan.FromSeconds(20));
            var metrics = collector.Text("metrics");
            Assert.All(["pipelet.dispatcher.deliveries", "pipelet.dispatcher.attempt.duration", "pipelet.dispatcher.retry.queue.depth"],
                name => Assert.Contains(name, metrics, StringComparison.Ordinal));
        }
        finally
        {
            await appHost.StopAsync(TimeSpan.FromSeconds(20));
            if (appHost.HasExited) WorkFolders.TryDelete(data.FullName);
        }
    }

    private static async Task CallAsync(ClientWebSocket station, string frame)
    {
        await station.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var answer = await station.ReceiveAsync(buffer, timeout.Token);
        Assert.StartsWith("[3,", Encoding.UTF8.GetString(buffer, 0, answer.Count), StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"Not true within {timeout}.");
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"X-API-Key: (hcpms_live_[0-9A-Za-z]+)")]
    private static partial Regex GeneratedKey();
}
