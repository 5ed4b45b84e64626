using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Pipelet.Testing;

/// <summary>
/// A loopback TCP forwarder in front of a server: a test takes "the server" away from one client
/// (<see cref="PauseAsync"/>) without stopping the one every other test shares, and brings it back on the
/// same port when the server restarts on a new one (<see cref="Resume"/>; our private RabbitMQ and PostgreSQL do).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, byte> _connections = new();
    private TcpListener _listener;
    private Task _accepting;
    private readonly string _targetHost;
    private volatile int _targetPort;

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_listener);
    }

    public int Port { get; }

    /// <summary>The server went away: connections are cut and new ones refused, as a stopped server would.</summary>
    public async Task PauseAsync()
    {
        _listener.Stop();
        CutAll();
        await _accepting;
    }

    /// <summary>The server is back on <paramref name="targetPort"/>: accept again on our same port.</summary>
    public void Resume(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _accepting = AcceptAsync(_listener);
    }

    public void CutAll()
    {
        foreach (var connection in _connections.Keys) connection.Dispose();
        _connections.Clear();
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        _connections[client] = 0;
        _connections[upstream] = 0;
        try
        {
            await upstream.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            _connections.TryRemove(client, out _);
            _connections.TryRemove(upstream, out _);
            client.Dispose();
            upstream.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        await _accepting;
        _stop.Dispose();
    }
}
