using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// A plain station upgrade is answered below Kestrel's HTTP layer (StationSocketsBelowHttp); whatever else arrives on
/// the connection, however it is cut into packets, still reaches Kestrel whole. A 101 from Kestrel carries its
/// <c>Server</c> header; ours does not, which is how these tests tell the two ways in apart.
/// </summary>
public sealed class UpgradeBelowHttpTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private const string Boot = """[2,"boot-1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]""";
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            kestrel: kestrel => kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(2));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
    }

    [Fact]
    public async Task A_plain_upgrade_is_answered_below_http_and_its_station_boots()
    {
        await using var station = await RawStation.ConnectAsync(_gateway);
        await station.WriteAsync(Head("/ocpp/CP-BELOW"));
        var head = await station.ReadHeadAsync();
        Assert.StartsWith("http/1.1 101", head, StringComparison.Ordinal);
        Assert.Contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n", head, StringComparison.Ordinal);
        Assert.Contains("sec-websocket-protocol: ocpp1.6\r\n", head, StringComparison.Ordinal);
        Assert.DoesNotContain("server:", head, StringComparison.Ordinal);

        await station.WriteAsync(RawStation.TextFrame(Boot));
        AssertAccepted(await station.ReadTextAsync());
        Assert.Equal("Connect", (await _events.NextAsync("CP-BELOW")).Event);
        Assert.Equal("BootNotification", (await _events.NextAsync("CP-BELOW")).Event);
    }

    [Fact]
    public async Task A_head_written_a_few_bytes_at_a_time_is_still_one_upgrade()
    {
        await using var station = await RawStation.ConnectAsync(_gateway);
        var bytes = Head("/ocpp/CP-TRICKLE");
        for (var i = 0; i < bytes.Length; i += 3) await station.WriteAsync(bytes.AsMemory(i, Math.Min(3, bytes.Length - i)));
        var head = await station.ReadHeadAsync();
        Assert.StartsWith("http/1.1 101", head, StringComparison.Ordinal);
        Assert.DoesNotContain("server:", head, StringComparison.Ordinal);

        await station.WriteAsync(RawStation.TextFrame(Boot));
        AssertAccepted(await station.ReadTextAsync());
    }

    [Fact]
    public async Task A_frame_in_the_same_packet_as_the_head_is_read_after_the_upgrade()
    {
        await using var station = await RawStation.ConnectAsync(_gateway);
        byte[] packet = [.. Head("/ocpp/CP-EAGER"), .. RawStation.TextFrame(Boot)];
        await station.WriteAsync(packet);
        Assert.StartsWith("http/1.1 101", await station.ReadHeadAsync(), StringComparison.Ordinal);
        AssertAccepted(await station.ReadTextAsync());
    }

    [Fact]
    public async Task Garbage_right_after_the_head_is_a_websocket_protocol_error_and_the_station_gets_its_Disconnect()
    {
        await using var station = await RawStation.ConnectAsync(_gateway);
        byte[] packet = [.. Head("/ocpp/CP-GARBAGE"), .. Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")];
        await station.WriteAsync(packet);
        Assert.StartsWith("http/1.1 101", await station.ReadHeadAsync(), StringComparison.Ordinal);
        var (opcode, status) = await station.ReadFrameAsync();
        Assert.Equal(8, opcode);
        Assert.Equal(1002, status);
        Assert.Equal("Connect", (await _events.NextAsync("CP-GARBAGE")).Event);
        Assert.Equal("Disconnect", (await _events.NextAsync("CP-GARBAGE")).Event);
    }

    [Fact]
    public async Task A_head_over_kestrels_size_limit_gets_kestrels_431()
    {
        await using var station = await RawStation.ConnectAsync(_gateway);
        // Within what this middleware reads (request line + headers limits), beyond Kestrel's 32 KB for the headers.
        var filler = new string('a', 33 * 1024);
        await station.WriteAsync(Head("/ocpp/CP-HUGE", $"X-Filler: {filler}\r\n"));
        Assert.StartsWith("http/1.1 431", await station.ReadHeadAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_head_that_never_ends_is_dropped_after_kestrels_headers_timeout()
    {
        await using var station = await RawStation.ConnectAsync(_gateway);
        await station.WriteAsync(Encoding.ASCII.GetBytes("GET /ocpp/CP-SLOW HTTP/1.1\r\nHost: x\r\n"));
        await station.WaitForEndAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_upgrade_that_is_not_plain_still_gets_kestrels_101()
    {
        await using var station = await RawStation.ConnectAsync(_gateway);
        await station.WriteAsync(Head("/ocpp/CP-QUERY?site=1"));
        var head = await station.ReadHeadAsync();
        Assert.StartsWith("http/1.1 101", head, StringComparison.Ordinal);
        Assert.Contains("server: kestrel", head, StringComparison.Ordinal);
        await station.WriteAsync(RawStation.TextFrame(Boot));
        AssertAccepted(await station.ReadTextAsync());
    }

    [Fact]
    public async Task A_refused_upgrade_keeps_its_answer_from_the_handler()
    {
        await using var station = await RawStation.ConnectAsync(_gateway);
        await station.WriteAsync(Head("/ocpp/has%20space"));
        Assert.StartsWith("http/1.1 404", await station.ReadHeadAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_request_cut_where_it_still_looks_like_a_station_reaches_kestrel_whole()
    {
        await using var client = await RawStation.ConnectAsync(_gateway);
        await client.WriteAsync("GET /oc"u8.ToArray());
        await client.WriteAsync(Encoding.ASCII.GetBytes($"pp/CP-PLAIN HTTP/1.1\r\nHost: {_gateway.BaseAddress.Authority}\r\n\r\n"));
        // No upgrade asked: the handler's 400 problem, through Kestrel and the routed endpoint.
        Assert.StartsWith("http/1.1 400", await client.ReadHeadAsync(), StringComparison.Ordinal);

        await using var api = await RawStation.ConnectAsync(_gateway);
        await api.WriteAsync("GET /api/v1/sta"u8.ToArray());
        await api.WriteAsync(Encoding.ASCII.GetBytes($"tions HTTP/1.1\r\nHost: {_gateway.BaseAddress.Authority}\r\n\r\n"));
        Assert.StartsWith("http/1.1 200", await api.ReadHeadAsync(), StringComparison.Ordinal);
    }

    private byte[] Head(string target, string extraHeaders = "") => Encoding.ASCII.GetBytes(
        $"GET {target} HTTP/1.1\r\nHost: {_gateway.BaseAddress.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n"
        + extraHeaders + "\r\n");

    private static void AssertAccepted(string answer)
    {
        var frame = JsonDocument.Parse(answer).RootElement;
        Assert.Equal(3, frame[0].GetInt32());
        Assert.Equal("boot-1", frame[1].GetString());
        Assert.Equal("Accepted", frame[2].GetProperty("status").GetString());
    }

    /// <summary>A station's side of the socket written by hand: the head as given, masked client frames (RFC 6455 5.3).</summary>
    private sealed class RawStation : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;

        private RawStation(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
        }

        public static async Task<RawStation> ConnectAsync(GatewayServer gateway)
        {
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port);
            return new RawStation(client);
        }

        public static byte[] TextFrame(string text)
        {
            var payload = Encoding.UTF8.GetBytes(text);
            if (payload.Length > 125) throw new ArgumentException("Short frames only.", nameof(text));
            var mask = new byte[] { 1, 2, 3, 4 };
            var frame = new byte[6 + payload.Length];
            frame[0] = 0x81;
            frame[1] = (byte)(0x80 | payload.Length);
            mask.CopyTo(frame, 2);
            for (var i = 0; i < payload.Length; i++) frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
            return frame;
        }

        public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
        {
            await _stream.WriteAsync(bytes);
            await _stream.FlushAsync();
        }

        /// <summary>The response head, lower-cased.</summary>
        public async Task<string> ReadHeadAsync() => (await RawHandshake.ReadHeadAsync(_stream)).ToLowerInvariant();

        public async Task<(int Opcode, int? CloseStatus)> ReadFrameAsync()
        {
            var (opcode, payload) = await ReadFrameCoreAsync();
            return (opcode, opcode == 8 && payload.Length >= 2 ? (payload[0] << 8) | payload[1] : null);
        }

        /// <summary>The next text frame's text (pings on the way are skipped).</summary>
        public async Task<string> ReadTextAsync()
        {
            while (true)
            {
                var (opcode, payload) = await ReadFrameCoreAsync();
                if (opcode == 1) return Encoding.UTF8.GetString(payload);
                Assert.True(opcode == 9, $"Expected a text frame, got opcode {opcode}.");
            }
        }

        /// <summary>Waits for the gateway to end the connection (end of stream or reset).</summary>
        public async Task WaitForEndAsync(TimeSpan within)
        {
            using var timeout = new CancellationTokenSource(within);
            var buffer = new byte[1024];
            try
            {
                while (await _stream.ReadAsync(buffer, timeout.Token) > 0)
                {
                }
            }
            catch (IOException)
            {
                // Reset: ended too.
            }
        }

        private async Task<(int Opcode, byte[] Payload)> ReadFrameCoreAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var header = new byte[2];
            await _stream.ReadExactlyAsync(header, timeout.Token);
            var length = (long)(header[1] & 0x7F);
            if (length == 126)
            {
                var extended = new byte[2];
                await _stream.ReadExactlyAsync(extended, timeout.Token);
                length = (extended[0] << 8) | extended[1];
            }
            else if (length == 127)
            {
                var extended = new byte[8];
                await _stream.ReadExactlyAsync(extended, timeout.Token);
                length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(extended);
            }

            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload, timeout.Token);
            return (header[0] & 0x0F, payload);
        }

        public ValueTask DisposeAsync()
        {
            _stream.Dispose();
            _client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
