using Pipelet.Contracts.Subscriptions;
using Pipelet.LocalServers;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// The dispatcher with its test defaults (ladder <c>1s,1s,2s</c>, timeout 2 s) and the webhooks the delivery
/// tests share, each listening to its own stations so tests do not see each other's events.
/// </summary>
public sealed class DispatcherFixture : DispatcherRig
{
    private readonly Dictionary<string, WebhookSubscription> _webhooks = [];

    /// <summary>Hooks that fail until a test flips them.</summary>
    public HashSet<string> Failing { get; } = ["ladder", "recover", "delete", "disable"];

    public WebhookSubscription this[string name] => _webhooks[name];

    protected override void AddWebhooks()
    {
        Add("ok", ["StartTransaction", "StopTransaction"], stations: ["WALLBOX_001"]);
        Add("cp1-only", ["*"], stations: ["CP-FILTER-1"]);
        Add("everything", ["*"], stations: ["CP-ELSEWHERE", "CP-FILTER-1"]);
        Add("stop-only", ["StopTransaction"], stations: ["CP-ELSEWHERE", "CP-FILTER-1"]);
        Add("ladder", ["*"], stations: ["CP-LADDER"]);
        Add("recover", ["*"], stations: ["CP-RECOVER"]);
        Add("delete", ["*"], stations: ["CP-CANCEL"]);
        Add("disable", ["*"], stations: ["CP-CANCEL"]);
        foreach (var name in new[] { "status503", "timeout", "redirect" }) Add(name, ["*"], stations: ["CP-FAILURES"]);
        Add("refused", ["*"], stations: ["CP-FAILURES"], url: new Uri($"http://127.0.0.1:{FreePort.Next()}/hooks/refused"));

        foreach (var name in Failing.ToList())
        {
            var hook = name;
            Receiver.Behave(hook, _ => Failing.Contains(hook) ? new Answer(500, Body: "nope") : new Answer(200));
        }

        Add("retry-after", ["*"], stations: ["CP-RETRY-AFTER"]);
        Receiver.Behave("retry-after", hit => hit.Attempt == 1 ? new Answer(429, RetryAfter: "2") : new Answer(200));
        Receiver.Behave("status503", _ => new Answer(503, Body: "busy"));
        Receiver.Behave("timeout", _ => new Answer(200, Delay: TimeSpan.FromSeconds(4)));
        Receiver.Behave("redirect", _ => new Answer(302, Location: Receiver.Hook("ok").ToString()));
    }

    private void Add(string name, IReadOnlyList<string> events, IReadOnlyList<string>? stations = null, Uri? url = null)
    {
        _webhooks[name] = Subscriptions.Subscribe(name, url ?? Receiver.Hook(name), stations, events);
    }
}
