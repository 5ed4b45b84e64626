using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Pipelet.Gateway.Security;

namespace Pipelet.Gateway.Stations;

/// <summary>
/// A Kestrel connection middleware that answers a station's WebSocket upgrade below the HTTP layer: Kestrel keeps an
/// upgraded HTTP/1.1 request (its connection, headers, context, features, hosting context) alive for the socket's
/// lifetime, about 5 KB per held station (docs/benchmarks/gateway.md, sessions 13 and 14). It reads the first request's
/// head off the connection and, only when that is a plain station upgrade (<see cref="StationUpgradeRequest"/>) which
/// the handler admits with our subprotocol, writes the 101 itself and runs the handler's session on a WebSocket over
/// the connection. Anything else (another request, an unusual or refused upgrade, TLS, HTTP/2) goes on to Kestrel's
/// HTTP pipeline with every byte unconsumed, so its answers stay Kestrel's and <see cref="StationConnectionHandler"/>'s.
/// </summary>
internal sealed class StationSocketsBelowHttp(
    ConnectionDelegate next,
    StationConnectionHandler handler,
    IOptions<KestrelServerOptions> kestrel,
    IOptions<HostFilteringOptions> hostFiltering)
{
    private readonly KestrelServerLimits _kestrelLimits = kestrel.Value.Limits;

    // Host filtering is an HTTP middleware; with a list of allowed hosts every request goes through it.
    private readonly bool _enabled = hostFiltering.Value.AllowedHosts is not { Count: > 0 } hosts || hosts.Contains("*");

    private StationUpgradeRequest.Limits Limits => new(
        _kestrelLimits.MaxRequestLineSize, _kestrelLimits.MaxRequestHeadersTotalSize, _kestrelLimits.MaxRequestHeaderCount);

    public Task OnConnectedAsync(ConnectionContext connection) => _enabled ? ServeAsync(connection) : next(connection);

    private async Task ServeAsync(ConnectionContext connection)
    {
        if (await AcceptUpgradeAsync(connection) is not { } station)
        {
            await next(connection);
            return;
        }

        if (station.StationId is null) return; // aborted, or gone before its 101

        // This frame lasts as long as the socket: it holds only what the session needs, not the request's head.
        var (pingInterval, pongTimeout) = handler.KeepAlive;
        using var socket = WebSocket.CreateFromStream(new DuplexPipeStream(connection.Transport), new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = station.Subprotocol,
            KeepAliveInterval = pingInterval,
            KeepAliveTimeout = pongTimeout,
        });
        await handler.RunAsync(station.StationId, socket, station.Subprotocol);
    }

    /// <summary>
    /// The admitted upgrade, its 101 written; null to hand the connection on (nothing consumed); no station when the
    /// connection is over (no head within Kestrel's time limits: aborted, as Kestrel would; or closed before the 101).
    /// </summary>
    private async Task<(string? StationId, string? Subprotocol)?> AcceptUpgradeAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var limits = _kestrelLimits;
        // Kestrel's timeouts for the first request: the keep-alive one until its first byte, then the headers one.
        using var deadline = new CancellationTokenSource(limits.KeepAliveTimeout);
        long examined = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                connection.Abort(new ConnectionAbortedException("The request head did not arrive in time."));
                return (null, null);
            }
            catch (Exception ex) when (ex is IOException or ConnectionAbortedException)
            {
                return (null, null); // reset or aborted before its head: nothing to answer
            }

            var buffer = result.Buffer;
            if (examined == 0 && !buffer.IsEmpty) deadline.CancelAfter(limits.RequestHeadersTimeout);
            var parse = StationUpgradeRequest.TryParse(buffer, Limits, out var request, out var headLength);
            if (parse == StationUpgradeRequest.Parse.Incomplete && !result.IsCompleted && !result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                examined = buffer.Length;
                continue;
            }

            if (parse == StationUpgradeRequest.Parse.Upgrade)
            {
                var (admission, stationId) = await handler.AdmitAsync(request!.RawTarget, "", request.Authorization);
                var subprotocol = StationConnectionHandler.ChooseSubprotocol(request.OfferedSubprotocols);
                if (admission == StationAuthenticationResult.Allowed && !handler.RefusesWithout(subprotocol, request.OfferedSubprotocols.Count))
                {
                    input.AdvanceTo(buffer.GetPosition(headLength));
                    var flushed = await connection.Transport.Output.WriteAsync(request.SwitchingProtocols(subprotocol));
                    return flushed.IsCompleted || flushed.IsCanceled ? (null, null) : (stationId, subprotocol);
                }
            }

            // Kestrel reads on from the same bytes: nothing consumed, and no more examined than before this read, so its
            // first read returns them at once.
            input.AdvanceTo(buffer.Start, buffer.GetPosition(examined));
            return null;
        }
    }

    /// <summary>
    /// The connection's pipes as the stream a WebSocket runs on. Kestrel owns the pipes and completes them when the
    /// middleware returns; disposing (as <see cref="WebSocket.Abort"/> does) ends a pending read or flush.
    /// </summary>
    private sealed class DuplexPipeStream(IDuplexPipe transport) : Stream
    {
        private volatile bool _disposed;

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var input = transport.Input;
            var result = await input.ReadAsync(cancellationToken);
            if (result.IsCanceled)
            {
                input.AdvanceTo(result.Buffer.Start);
                throw new OperationCanceledException("The connection's stream was closed.");
            }

            var data = result.Buffer;
            // A zero-byte read (data is there, or the connection ended) consumes nothing.
            var count = (int)Math.Min(data.Length, buffer.Length);
            data.Slice(0, count).CopyTo(buffer.Span);
            input.AdvanceTo(data.GetPosition(count));
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var result = await transport.Output.WriteAsync(buffer, cancellationToken);
            if (result.IsCanceled) throw new OperationCanceledException("The connection's stream was closed.");
            if (result.IsCompleted) throw new IOException("The connection is closed.");
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async Task FlushAsync(CancellationToken cancellationToken) => await transport.Output.FlushAsync(cancellationToken);

        public override void Flush() => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                transport.Input.CancelPendingRead();
                transport.Output.CancelPendingFlush();
            }

            base.Dispose(disposing);
        }
    }
}
