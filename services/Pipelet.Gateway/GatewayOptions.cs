using System.ComponentModel.DataAnnotations;

namespace Pipelet.Gateway;

/// <summary>The gateway's settings, bound from <c>Gateway__*</c> and checked at start.</summary>
internal sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Seconds; the BootNotification.conf <c>interval</c> (an integer, per the errata).</summary>
    [Range(1, 86_400)]
    public int HeartbeatInterval { get; set; } = 300;

    /// <summary>How long a command waits for a station's answer, queueing included (hh:mm:ss).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a station's CALL waits for the broker's confirm before it gets InternalError.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:02:00")]
    public TimeSpan EventPublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>AMQP channels events are published on (one connection), each with its own publish loop. One was fastest on 2 cores.</summary>
    [Range(1, 16)]
    public int EventPublishChannels { get; set; } = 1;

    /// <summary>
    /// Most events in one StationEventBatch message. A batch takes whatever events are waiting when a publish
    /// slot is free, so it holds one event when stations are quiet and grows only under load.
    /// </summary>
    [Range(1, 10_000)]
    public int EventBatchMaxEvents { get; set; } = 64;

    /// <summary>Most bytes of event JSON in one message (an event larger than this still goes, alone).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int EventBatchMaxBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Most batches published and not yet confirmed, per channel. Beyond the first, a batch goes only when it is
    /// full; otherwise events wait for the next confirm and share its message: fewer messages for the broker and
    /// the dispatcher, whose cost is per message.
    /// </summary>
    [Range(1, 1024)]
    public int EventBatchesInFlight { get; set; } = 4;

    /// <summary>
    /// Least time between a publish and the next batch that is not full. Under load, events arriving meanwhile share
    /// one message (each message costs the broker and the dispatcher about as much as its events); a lone event
    /// after a quiet spell still goes at once. 00:00:00: a batch goes whenever nothing is in flight.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan EventBatchLinger { get; set; } = TimeSpan.FromMilliseconds(6);

    /// <summary>How often the gateway logs how many events it published in how many messages (00:00:00: never).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan EventStatisticsInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>WebSocket ping period; a peer that does not pong within <see cref="WebSocketPongTimeout"/> is dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan WebSocketPingInterval { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan WebSocketPongTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When true (the default), a station's frame is read, parsed, validated and queued for the broker on the socket's
    /// I/O thread instead of two thread-pool hops later (Kestrel's <c>UnsafePreferInlineScheduling</c> and the runtime's
    /// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>): about a third less CPU per answered CALL and a fifth of the
    /// context switches (docs/benchmarks/gateway.md). Safe here because nothing on that path blocks; work that could
    /// (a password hash) moves to the thread pool first. Read once at start.
    /// </summary>
    public bool InlineSocketIo { get; set; } = true;

    /// <summary>
    /// When true (the default), a plain station WebSocket upgrade on a cleartext endpoint is answered below Kestrel's HTTP
    /// layer (<c>StationSocketsBelowHttp</c>), which then holds no HTTP request per station: about 5 KB less per held
    /// station (docs/benchmarks/gateway.md, session 14). Anything else, and every upgrade when false, takes Kestrel's HTTP
    /// pipeline. Read once at start.
    /// </summary>
    public bool StationUpgradesBelowHttp { get; set; } = true;

    /// <summary>Frames above this size are discarded and a CALL among them gets a FormationViolation.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 128 * 1024;

    /// <summary>
    /// When true (the spec, J 3.2), a station that offers no <c>ocpp1.6</c> subprotocol is closed after the
    /// handshake. False also admits stations that offer no subprotocol at all (some old firmware).
    /// </summary>
    public bool RequireSubprotocol { get; set; } = true;

    /// <summary>This instance's name in the station registry and its command queue; generated when empty.</summary>
    [RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$")]
    public string? InstanceId { get; set; }

    /// <summary>What we answer a station's DataTransfer once its event is on the bus.</summary>
    [RegularExpression("^(Accepted|Rejected|UnknownMessageId|UnknownVendorId)$")]
    public string DataTransferStatus { get; set; } = "Accepted";

    /// <summary>
    /// When true, an event counts as kept only if the broker routed it to at least one queue
    /// (published mandatory): while webhooks want events (the subscription service has bound the gateway's exchange
    /// on to the dispatcher's) but no dispatcher queue is bound yet, stations get InternalError and retry. Events
    /// nobody wants are routed to the queue that drops them (<c>StationEventExchanges.UnwantedQueue</c>) and confirmed.
    /// </summary>
    public bool RequireRoutedEvents { get; set; } = true;

    /// <summary>Protect the stations API with X-API-Key (scope stations:command). Off only for local experiments.</summary>
    public bool RequireApiKey { get; set; } = true;

    public StationAuthenticationOptions StationAuthentication { get; set; } = new();

    /// <summary>
    /// Station registration without passwords: when any are listed, only these identities may connect and any
    /// other is refused at the handshake with 404 (J 3.2). Empty (the default): every well-formed identity may.
    /// With <see cref="StationAuthentication"/> on, its list of stations is the registration, and this one, if set, too.
    /// </summary>
    public List<string> RegisteredStations { get; set; } = [];

    /// <summary>
    /// idTag → the OCPP AuthorizationStatus that Authorize, StartTransaction and StopTransaction answer for it
    /// (<c>Blocked</c>, <c>Expired</c>, <c>Invalid</c>, <c>ConcurrentTx</c>). Tags not listed are <c>Accepted</c>.
    /// Matched case-insensitively, as OCPP compares idTags.
    /// </summary>
    public Dictionary<string, string> IdTags { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Security profile 1: HTTP Basic on the handshake with a per-station password.</summary>
internal sealed class StationAuthenticationOptions
{
    public bool Enabled { get; set; }

    /// <summary>
    /// Station identity → password hash (<c>pbkdf2-sha256$iterations$salt$hash</c>, base64; make one with
    /// <c>dotnet Pipelet.Gateway.dll hash-station-password &lt;password&gt;</c>). When enabled, stations not listed here are refused (404).
    /// </summary>
    public Dictionary<string, string> Stations { get; set; } = new(StringComparer.Ordinal);
}
