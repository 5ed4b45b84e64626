using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>One request as a subscriber saw it.</summary>
public sealed record Hit(string Hook, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset At)
{
    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : "";
    public int Attempt => int.Parse(Header("webhook-attempt"), System.Globalization.CultureInfo.InvariantCulture);
    public Guid EventId => Guid.Parse(Header("webhook-id"));
}

/// <summary>
/// What a hook answers: a status (and body) after an optional delay. <paramref name="Hang"/> never answers:
/// the request is held until the caller gives up or the receiver stops.
/// </summary>
public sealed record Answer(int Status, TimeSpan Delay = default, string? Body = null, string? Location = null, bool Hang = false, string? RetryAfter = null);

/// <summary>
/// A real HTTP subscriber on a free loopback port: <c>POST /hooks/{name}</c> records the request and
/// answers as told (200 unless <see cref="Behave"/> says otherwise).
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<Hit, Answer>> _behaviours = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Hit>> _hits = new();
    private readonly ConcurrentDictionary<Guid, int> _eventCounts = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Hit>> _arrivals = new();
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Receiver(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>When false, only counts per event id are kept (for runs of many thousands).</summary>
    public bool KeepHits { get; set; } = true;

    public Uri Hook(string name) => new(BaseUri, $"hooks/{name}");

    public void Behave(string hook, Func<Hit, Answer> behaviour) => _behaviours[hook] = behaviour;

    public IReadOnlyList<Hit> HitsOf(string hook) => _hits.TryGetValue(hook, out var q) ? q.ToArray() : [];

    /// <summary>Requests as they arrived, before any answer (the only record of a hook that hangs).</summary>
    public IReadOnlyList<Hit> ArrivalsOf(string hook) => _arrivals.TryGetValue(hook, out var q) ? q.ToArray() : [];

    public IReadOnlyDictionary<Guid, int> EventCounts => _eventCounts;

    public void EventCountsClear()
    {
        _eventCounts.Clear();
        Interlocked.Exchange(ref _distinctEvents, 0);
    }

    /// <summary>
    /// Whether every one of these events has arrived. A wait re-checks on every hit, so the cheap count comes
    /// first: scanning thousands of ids each time, or <c>ConcurrentDictionary.Count</c> (which takes every one
    /// of its locks), made the benchmark's own receiver a third of its CPU.
    /// </summary>
    public bool HasAll(IReadOnlyCollection<Guid> eventIds) =>
        DistinctEvents >= eventIds.Count && eventIds.All(_eventCounts.ContainsKey);

    /// <summary>How many different events arrived (with a 2xx answer): <c>EventCounts.Count</c> without its locks.</summary>
    public long DistinctEvents => Interlocked.Read(ref _distinctEvents);

    private long _distinctEvents;

    public long TotalHits => Interlocked.Read(ref _total);

    private long _total;

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        Receiver? self = null;
        app.MapPost("/hooks/{name}", async (string name, HttpContext http) => await self!.HandleAsync(name, http));
        await app.StartAsync();
        var address = app.Urls.First();
        self = new Receiver(app, new Uri(address.TrimEnd('/') + "/"));
        return self;
    }

    private async Task<IResult> HandleAsync(string name, HttpContext http)
    {
        var hit = KeepHits ? await RecordAsync(name, http) : await GlanceAsync(name, http);
        var answer = _behaviours.TryGetValue(name, out var behave) ? behave(hit) : new Answer(200);
        if (answer.Hang)
        {
            _arrivals.GetOrAdd(name, _ => new ConcurrentQueue<Hit>()).Enqueue(hit);
            Signal();
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
            await Task.Delay(Timeout.Infinite, gone.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return Results.Empty;
        }

        if (answer.Delay > TimeSpan.Zero) await Task.Delay(answer.Delay);

        if (answer.Status is >= 200 and < 300 && Guid.TryParse(hit.Header("webhook-id"), out var eventId))
        {
            if (_eventCounts.TryAdd(eventId, 1)) Interlocked.Increment(ref _distinctEvents);
            else _eventCounts.AddOrUpdate(eventId, 1, (_, n) => n + 1);
        }

        if (KeepHits) _hits.GetOrAdd(name, _ => new ConcurrentQueue<Hit>()).Enqueue(hit);
        Interlocked.Increment(ref _total);
        Signal();

        if (answer.Location is not null) http.Response.Headers.Location = answer.Location;
        if (answer.RetryAfter is not null) http.Response.Headers.RetryAfter = answer.RetryAfter;
        return answer.Body is null ? Results.StatusCode(answer.Status) : Results.Text(answer.Body, statusCode: answer.Status);
    }

    /// <summary>The whole request: every header (lower-cased names) and the body as text.</summary>
    private static async Task<Hit> RecordAsync(string name, HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        if (http.Request.ContentType is { } contentType) headers["content-type"] = contentType;
        return new Hit(name, headers, body, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// For runs of many thousands (<see cref="KeepHits"/> off): the body and only the two headers the counts and
    /// behaviours use, so the receiver takes less of the CPU the dispatcher is measured on.
    /// </summary>
    private static async Task<Hit> GlanceAsync(string name, HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = new Dictionary<string, string>(2)
        {
            [WebhookHeaders.Id] = http.Request.Headers[WebhookHeaders.Id].ToString(),
            [WebhookHeaders.Attempt] = http.Request.Headers[WebhookHeaders.Attempt].ToString(),
        };
        return new Hit(name, headers, body, DateTimeOffset.UtcNow);
    }

    private void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits (on the receiver's own signal) until the condition holds.</summary>
    public async Task WaitUntilAsync(Func<Receiver, bool> condition, TimeSpan timeout, string what)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!condition(this))
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(this)) return;
            try
            {
                await changed.WaitAsync(TimeSpan.FromMilliseconds(500), cancel.Token);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for: {what}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
