using System.Buffers;
using System.Text;
using Pipelet.Gateway.Stations;

namespace Pipelet.Gateway.Tests.Unit;

/// <summary>Which request heads StationSocketsBelowHttp takes itself; everything else is Kestrel's.</summary>
public sealed class StationUpgradeRequestTests
{
    private static readonly StationUpgradeRequest.Limits Kestrels = new(8 * 1024, 32 * 1024, 100);

    private const string Plain =
        "GET /ocpp/CP-1 HTTP/1.1\r\nHost: gw:9000\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp2.0.1, ocpp1.6\r\n"
        + "Authorization: Basic Q1AtMTpwdw==\r\nUser-Agent: firmware/1.0\r\n\r\n";

    [Fact]
    public void A_plain_upgrade_is_read_with_what_the_handshake_needs()
    {
        Assert.Equal(StationUpgradeRequest.Parse.Upgrade, Parse(Plain + "\x81\x85", out var request, out var headLength));
        Assert.Equal(Plain.Length, headLength);
        Assert.Equal("/ocpp/CP-1", request!.RawTarget);
        Assert.Equal("Basic Q1AtMTpwdw==", request.Authorization);
        Assert.Equal(new[] { "ocpp2.0.1", "ocpp1.6" }, request.OfferedSubprotocols);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", Encoding.ASCII.GetString(request.SwitchingProtocols("ocpp1.6")),
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_head_cut_into_single_byte_segments_reads_the_same()
    {
        var bytes = Encoding.ASCII.GetBytes(Plain);
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < bytes.Length; i++) last = last.Append(bytes.AsMemory(i, 1));
        var sequence = new ReadOnlySequence<byte>(first, 0, last, 1);
        Assert.Equal(StationUpgradeRequest.Parse.Upgrade, StationUpgradeRequest.TryParse(sequence, Kestrels, out var request, out _));
        Assert.Equal("/ocpp/CP-1", request!.RawTarget);
    }

    [Theory]
    [InlineData("GET /oc")]
    [InlineData("GET /ocpp/CP-1 HTTP/1.1\r\nHost: gw\r\n")]
    public void A_head_that_still_looks_like_a_station_is_waited_for(string head) =>
        Assert.Equal(StationUpgradeRequest.Parse.Incomplete, Parse(head, out _, out _));

    [Theory]
    [InlineData("POST /ocpp/CP-1 HTTP/1.1\r\n")]
    [InlineData("GET /api/v1/stations HTTP/1.1\r\n")]
    [InlineData("get /ocpp/CP-1 HTTP/1.1\r\n")]
    [InlineData("\x16\x03\x01")] // a TLS ClientHello
    [InlineData("PRI * HTTP/2.0\r\n")]
    public void Another_request_is_not_ours_from_its_first_bytes(string head) =>
        Assert.Equal(StationUpgradeRequest.Parse.NotOurs, Parse(head, out _, out _));

    [Theory]
    [InlineData("HTTP/1.1\r\n", "HTTP/1.0\r\n")]
    [InlineData("/ocpp/CP-1 ", "/ocpp/CP-1?site=1 ")]
    [InlineData("/ocpp/CP-1 ", "/ocpp/CP-1#x ")]
    [InlineData("/ocpp/CP-1 ", "/ocpp/CP 1 ")]
    [InlineData("Host: gw:9000\r\n", "")]
    [InlineData("Host: gw:9000\r\n", "Host: gw:9000\r\nHost: other\r\n")]
    [InlineData("Host: gw:9000\r\n", "Host: gw/x\r\n")]
    [InlineData("Upgrade: websocket\r\n", "Upgrade: h2c\r\n")]
    [InlineData("Connection: keep-alive, Upgrade\r\n", "Connection: keep-alive\r\n")]
    [InlineData("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 8\r\n")]
    [InlineData("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "Sec-WebSocket-Key: short\r\n")]
    [InlineData("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "")]
    [InlineData("Sec-WebSocket-Protocol: ocpp2.0.1, ocpp1.6\r\n", "Sec-WebSocket-Protocol: ocpp2.0.1\r\nSec-WebSocket-Protocol: ocpp1.6\r\n")]
    [InlineData("Authorization: Basic Q1AtMTpwdw==\r\n", "Authorization: Basic a\r\nAuthorization: Basic b\r\n")]
    [InlineData("User-Agent: firmware/1.0\r\n", "Content-Length: 5\r\n")]
    [InlineData("User-Agent: firmware/1.0\r\n", "Transfer-Encoding: chunked\r\n")]
    [InlineData("User-Agent: firmware/1.0\r\n", "User-Agent : firmware/1.0\r\n")]
    [InlineData("User-Agent: firmware/1.0\r\n", "User-Agent: firmware/1.0\r\n continued\r\n")]
    [InlineData("User-Agent: firmware/1.0\r\n", "User-Agent: firmwäre\r\n")]
    [InlineData("User-Agent: firmware/1.0\r\n", "User-Agent: a\nX: b\r\n")]
    public void An_unusual_upgrade_is_left_to_kestrel(string part, string replacement)
    {
        Assert.Contains(part, Plain, StringComparison.Ordinal);
        Assert.Equal(StationUpgradeRequest.Parse.NotOurs, Parse(Plain.Replace(part, replacement, StringComparison.Ordinal), out _, out _));
    }

    [Fact]
    public void A_head_beyond_kestrels_limits_is_left_to_kestrel()
    {
        var manyHeaders = string.Concat(Enumerable.Range(0, 100).Select(i => $"X-{i}: v\r\n"));
        Assert.Equal(StationUpgradeRequest.Parse.NotOurs, Parse(Plain.Replace("\r\n\r\n", "\r\n" + manyHeaders + "\r\n", StringComparison.Ordinal), out _, out _));
        var longTarget = "/ocpp/" + new string('a', 8 * 1024);
        Assert.Equal(StationUpgradeRequest.Parse.NotOurs, Parse(Plain.Replace("/ocpp/CP-1", longTarget, StringComparison.Ordinal), out _, out _));
        Assert.Equal(StationUpgradeRequest.Parse.NotOurs, Parse("GET /ocpp/CP-1 HTTP/1.1\r\nX: " + new string('a', 41 * 1024), out _, out _));
    }

    private static StationUpgradeRequest.Parse Parse(string head, out StationUpgradeRequest? request, out int headLength) =>
        StationUpgradeRequest.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)), Kestrels, out request, out headLength);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
