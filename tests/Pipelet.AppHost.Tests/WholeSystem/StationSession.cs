using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipelet.Testing;

namespace Pipelet.AppHost.Tests.WholeSystem;

/// <summary>A normal run of a started system: a webhook on a loopback receiver, a station whose Heartbeat reaches it.</summary>
internal static class StationSession
{
    /// <summary>
    /// Boots station <paramref name="stationId"/>, subscribes the receiver to Heartbeat with <paramref name="apiKey"/>
    /// and sends Heartbeats until one is delivered; returns the delivery's <c>traceparent</c>.
    /// </summary>
    public static async Task<string> DeliverAHeartbeatAsync(int apiPort, int ocppPort, string apiKey, string stationId)
    {
        var hits = new ConcurrentQueue<(string Event, string TraceParent)>();
        await using var receiver = await LoopbackServer.StartAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            hits.Enqueue((body.RootElement.GetProperty("event").GetString()!, request.Headers.TraceParent.ToString()));
            return Results.Ok();
        }));

        // A station connecting at once is accepted and its events go somewhere: the gateway started only once
        // the dispatcher had bound its queue.
        await using var station = await TestStation.ConnectAsync(new Uri($"ws://localhost:{ocppPort}/ocpp/"), stationId);
        await station.BootAsync();

        using var api = new HttpClient { BaseAddress = new Uri($"http://localhost:{apiPort}/") };
        api.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        using var created = await api.PostAsync("api/v1/webhooks", new StringContent(
            $$"""{"name":"{{stationId}}","url":"{{receiver.Address}}hook","events":["Heartbeat"],"secret_header":"X-Webhook-Secret","secret_value":"whole-system-secret"}""",
            Encoding.UTF8, "application/json"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

        // Heartbeats until one is delivered: the dispatcher learns of the new webhook over the bus a moment later.
        await PollAsync(async () =>
        {
            await station.CallResultAsync("Heartbeat", "{}");
            return !hits.IsEmpty;
        }, TimeSpan.FromSeconds(60), "no Heartbeat reached the receiver");
        var (eventName, traceParent) = hits.First();
        Assert.Equal("Heartbeat", eventName);
        return traceParent;
    }

    /// <summary>Asks <paramref name="condition"/> every half second until it holds; fails at the deadline.</summary>
    public static async Task PollAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout) throw new Xunit.Sdk.XunitException($"Within {timeout.TotalSeconds:0} s: {failure}");
            await Task.Delay(500);
        }
    }
}
