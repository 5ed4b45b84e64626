using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Events;
using Pipelet.Gateway.Ocpp;
using Pipelet.Gateway.Security;

namespace Pipelet.Gateway.Stations;

/// <summary>
/// <c>GET /ocpp/{stationId}</c>: the OCPP-J handshake (identity, station authentication, subprotocol,
/// J 3.1–3.2) and then the station's session until the socket closes. One async loop per station, no
/// thread of its own; frames are handled one after the other, which also back-pressures a flooding
/// station through TCP without slowing anyone else.
/// </summary>
internal sealed class StationConnectionHandler(
    StationRegistry registry,
    StationDirectoryWriter directory,
    StationCallHandler calls,
    StationEventPublisher events,
    StationAuthenticator authenticator,
    GatewayInstance instance,
    IOptions<GatewayOptions> options,
    GatewayMetrics metrics,
    ILogger<StationConnectionHandler> logger)
{
    public const string Route = "/ocpp/{stationId}";
    public const string Subprotocol = "ocpp1.6";
    private const string PathPrefix = "/ocpp/";
    // A frame's buffer is held until its answer is written (the payload is parsed in place), so one per CALL in flight:
    // most frames fit the first 1 KB; larger ones grow it by doubling.
    private const int FrameBuffer = 1024;
    private const int MinRead = 512;
    private const int MaxDepth = 32;
    private static readonly TimeSpan ReplacementWait = TimeSpan.FromSeconds(10);

    public static bool IsOcppPath(PathString path) => path.StartsWithSegments(PathPrefix.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    public async Task HandleAsync(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var pathBase = context.Request.PathBase.Value ?? "";
        var (admission, stationId) = await AdmitAsync(rawTarget, pathBase, context.Request.Headers.Authorization);
        switch (admission)
        {
            case StationAuthenticationResult.UnknownStation:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            case StationAuthenticationResult.BadCredentials:
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"Pipelet OCPP\", charset=\"UTF-8\"";
                return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket required",
                detail: $"OCPP-J stations connect with a WebSocket upgrade offering the '{Subprotocol}' subprotocol.").ExecuteAsync(context);
            return;
        }

        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var chosen = ChooseSubprotocol(offered);
        var accept = new WebSocketAcceptContext
        {
            SubProtocol = chosen,
            KeepAliveInterval = KeepAlive.PingInterval,
            KeepAliveTimeout = KeepAlive.PongTimeout,
        };

        using var socket = await context.WebSockets.AcceptWebSocketAsync(accept);
        if (RefusesWithout(chosen, offered.Count))
        {
            // J 3.2: complete the handshake without Sec-WebSocket-Protocol, then close.
            await CloseQuietlyAsync(socket, WebSocketCloseStatus.ProtocolError, $"Subprotocol {Subprotocol} required");
            return;
        }

        EndHandshakeActivity();
        await RunAsync(stationId, socket, chosen);
    }

    /// <summary>
    /// The handshake's checks ahead of the upgrade (J 3.1 identity, then station registration and password), for
    /// both ways a station comes in: this handler and <see cref="StationSocketsBelowHttp"/>. A bad identity is unknown.
    /// </summary>
    public async ValueTask<(StationAuthenticationResult Admission, string StationId)> AdmitAsync(string rawTarget, string pathBase, string? authorization)
    {
        if (!StationIdentity.TryRead(rawTarget, pathBase + PathPrefix, out var stationId))
        {
            return (StationAuthenticationResult.UnknownStation, "");
        }

        // A password check is a deliberately slow hash: not on the socket's I/O thread, where other stations' frames wait.
        if (options.Value.StationAuthentication.Enabled) await Task.Yield();
        return (authenticator.Authenticate(authorization, stationId), stationId);
    }

    /// <summary>The subprotocol we speak, among those the station offers (J 3.2); null when it offers none of ours.</summary>
    /// <remarks>Spelled as offered (the answer echoes it); our constant when it is spelled the same, so no socket keeps a copy.</remarks>
    public static string? ChooseSubprotocol(IEnumerable<string> offered) =>
        offered.FirstOrDefault(p => string.Equals(p, Subprotocol, StringComparison.OrdinalIgnoreCase)) switch
        {
            Subprotocol => Subprotocol,
            var chosen => chosen,
        };

    /// <summary>Whether a socket upgraded without our subprotocol is closed right away (J 3.2) rather than served.</summary>
    public bool RefusesWithout(string? chosen, int offeredCount) =>
        chosen is null && (offeredCount > 0 || options.Value.RequireSubprotocol);

    /// <summary>The WebSocket options a station's socket is accepted with, whichever way it came in.</summary>
    public (TimeSpan PingInterval, TimeSpan PongTimeout) KeepAlive => (options.Value.WebSocketPingInterval, options.Value.WebSocketPongTimeout);

    /// <summary>The station's session on an accepted socket, until the socket closes.</summary>
    public Task RunAsync(string stationId, WebSocket socket, string? subprotocol) =>
        RunSessionAsync(new StationSession(stationId, socket, events.Now()), subprotocol);

    /// <summary>
    /// The request's Activity would otherwise last as long as the socket (hours), parent every span of the
    /// session and stay in memory per station: it ends with the handshake, as a span of its own.
    /// </summary>
    private static void EndHandshakeActivity()
    {
        if (Activity.Current is not { OperationName: "Microsoft.AspNetCore.Hosting.HttpRequestIn" } request) return;
        request.DisplayName = "GET " + Route;
        request.SetTag("http.route", Route);
        request.SetTag("http.response.status_code", StatusCodes.Status101SwitchingProtocols);
        request.Stop();
        Activity.Current = null;
    }

    private async Task RunSessionAsync(StationSession session, string? subprotocol)
    {
        var stationId = session.StationId;
        if (registry.Register(session) is { } previous)
        {
            // The newest connection wins: close the old one and let it publish its Disconnect first.
            previous.CloseReplaced();
            await previous.Ended.WaitAsync(ReplacementWait, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        metrics.Connections.Add(1);
        var connectPublished = false;
        try
        {
            await events.PublishAsync(EventCatalogue.Connect, stationId, session.ConnectedAt,
                ConnectionPayload(subprotocol, null), CancellationToken.None);
            connectPublished = true;
            directory.Connected(session);
            // The receive loop is inline (not a method of its own): its frame lasts as long as the socket, once per station.
            var maxFrame = options.Value.MaxFrameBytes;
            var socket = session.Socket;
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    // Wait for the next frame without holding a buffer: idle stations cost no memory here.
                    // No token: the session's end aborts the socket (StationSession.Lifetime).
                    var result = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close) break;

                    using var frame = new PooledBuffer(FrameBuffer);
                    var tooLarge = false;
                    (int Type, string? Id) peeked = default;
                    while (!result.EndOfMessage)
                    {
                        result = await socket.ReceiveAsync(frame.GetMemory(MinRead), CancellationToken.None);
                        if (result.MessageType == WebSocketMessageType.Close) break;
                        frame.Advance(result.Count);
                        if (!tooLarge && frame.WrittenCount > maxFrame)
                        {
                            tooLarge = true;
                            peeked = OcppFrameReader.Peek(frame.WrittenSpan);
                        }

                        if (tooLarge) frame.Clear(); // discard the rest as it arrives
                    }

                    if (result.MessageType == WebSocketMessageType.Close) break;
                    var receivedAt = events.Now();
                    session.Touch(receivedAt);
                    if (tooLarge)
                    {
                        await OnOversizedAsync(session, peeked, maxFrame);
                        continue;
                    }

                    await OnFrameAsync(session, frame, result.MessageType, receivedAt);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                // The station went away, did not pong in time, or we closed it: the session ends here.
            }
        }
        catch (EventNotStoredException)
        {
            // Without the Connect event nothing the station says could be kept either: let it come back later.
            await CloseOutputQuietlyAsync(session.Socket, WebSocketCloseStatus.InternalServerError, "Try again later");
        }
        finally
        {
            registry.Remove(session);
            var reason = DisconnectReason(session);
            if (session.Socket.State == WebSocketState.CloseReceived)
            {
                await CloseQuietlyAsync(session.Socket, WebSocketCloseStatus.NormalClosure, "");
            }

            session.Stop();
            metrics.Connections.Add(-1);
            if (connectPublished) directory.Disconnected(session);
            if (connectPublished)
            {
                await PublishDisconnectAsync(session, reason);
            }

            session.MarkEnded();
        }
    }

    private async Task OnFrameAsync(StationSession session, PooledBuffer frame, WebSocketMessageType messageType, DateTimeOffset receivedAt)
    {
        OcppFrame parsed;
        JsonDocument? document = null;
        try
        {
            // The WebSocket layer checks a text frame's UTF-8 but not a binary one's, and JSON strings with
            // bad UTF-8 parse fine, then throw when read: check it here so the station gets its CALLERROR.
            parsed = messageType == WebSocketMessageType.Binary && !Utf8.IsValid(frame.WrittenSpan)
                ? Unreadable(frame, "The frame is not valid UTF-8.")
                : OcppFrameReader.Read(document = JsonDocument.Parse(frame.WrittenMemory, new JsonDocumentOptions { MaxDepth = MaxDepth }));
        }
        catch (JsonException)
        {
            parsed = Unreadable(frame, $"The frame is not valid JSON (or nests deeper than {MaxDepth}).");
        }

        using (document)
        {
            switch (parsed)
            {
                case CallFrame call:
                    // Rented once the answer is written: a CALL waits for its event's confirm holding no answer buffer.
                    using (var answer = new PooledBuffer(0))
                    {
                        await calls.HandleAsync(session, call, receivedAt, answer, session.Lifetime);
                        await session.SendAsync(answer.WrittenMemory);
                    }

                    break;

                case CallResultFrame or CallErrorFrame:
                    if (!session.TryCompleteCall(parsed))
                    {
                        logger.LogDebug("Station {StationId} answered a CALL we are not waiting for", session.StationId);
                    }

                    break;

                case UnknownTypeFrame unknown:
                    // J 4.1.3: a frame with an unknown message type is ignored.
                    logger.LogDebug("Station {StationId} sent unknown message type {Type}; ignored", session.StationId, unknown.MessageType);
                    break;

                case MalformedFrame { IsCall: true } or MalformedFrame { MessageId: null }:
                    var malformed = (MalformedFrame)parsed;
                    await SendCallErrorAsync(session, malformed.MessageId ?? OcppFrame.UnknownMessageId, malformed.ErrorCode, malformed.Description);
                    break;

                case MalformedFrame answer:
                    // A broken CALLRESULT/CALLERROR is never answered; it fails our CALL if it was meant for it.
                    session.TryCompleteCall(answer);
                    break;
            }
        }
    }

    /// <summary>A frame we cannot parse, answered under its own id when its first bytes still name one (else "-1").</summary>
    private static MalformedFrame Unreadable(PooledBuffer frame, string description)
    {
        var (type, id) = OcppFrameReader.Peek(frame.WrittenSpan);
        return new MalformedFrame(id, type == OcppFrame.CallType, OcppErrorCode.FormationViolation, description);
    }

    private async Task OnOversizedAsync(StationSession session, (int Type, string? Id) peeked, int maxFrame)
    {
        var description = $"The frame exceeds {maxFrame} bytes.";
        if (peeked.Type is OcppFrame.CallResultType or OcppFrame.CallErrorType && peeked.Id is not null)
        {
            session.TryCompleteCall(new MalformedFrame(peeked.Id, false, OcppErrorCode.FormationViolation, description));
            return;
        }

        logger.LogInformation("Station {StationId} sent a frame over {MaxFrameBytes} bytes; discarded", session.StationId, maxFrame);
        await SendCallErrorAsync(session, peeked.Id ?? OcppFrame.UnknownMessageId, OcppErrorCode.FormationViolation, description);
    }

    private static async Task SendCallErrorAsync(StationSession session, string messageId, string code, string description)
    {
        using var answer = new PooledBuffer(256);
        OcppFrameWriter.WriteCallError(answer, messageId, code, description);
        await session.SendAsync(answer.WrittenMemory);
    }

    private static (string Reason, WebSocketCloseStatus? Status) DisconnectReason(StationSession session)
    {
        var status = session.Socket.CloseStatus;
        return (session.CloseReason ?? (status is null ? "connection_lost" : "closed_by_station"), status);
    }

    private async Task PublishDisconnectAsync(StationSession session, (string Reason, WebSocketCloseStatus? Status) reason)
    {
        try
        {
            await events.PublishAsync(EventCatalogue.Disconnect, session.StationId, events.Now(),
                ConnectionPayload(null, reason), CancellationToken.None);
        }
        catch (EventNotStoredException)
        {
            // Logged by the publisher; a lost Disconnect cannot be retried by the station.
        }
    }

    /// <summary>Our own payload for Connect/Disconnect (Pipelet's, so snake_case like the rest of our API).</summary>
    private JsonElement ConnectionPayload(string? subprotocol, (string Reason, WebSocketCloseStatus? Status)? disconnect)
    {
        using var buffer = new PooledBuffer(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("instance_id", instance.Id);
            if (subprotocol is not null) writer.WriteString("subprotocol", subprotocol);
            if (disconnect is { } d)
            {
                writer.WriteString("reason", d.Reason);
                if (d.Status is { } status) writer.WriteNumber("close_status", (int)status);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Sends our close frame without waiting for the peer's.</summary>
    private static async Task CloseOutputQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string description)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.CloseOutputAsync(status, description, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // Nothing more to say to this peer.
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string description)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.CloseAsync(status, description, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // Nothing more to say to this peer.
        }
    }
}
