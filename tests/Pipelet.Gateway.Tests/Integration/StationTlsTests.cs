using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Pipelet.Gateway.Security;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// Security profile 2: profile 1's HTTP Basic over TLS. The gateway needs no code for it: Kestrel serves
/// <c>wss://</c> from a certificate in its configuration (<c>Kestrel__Endpoints__*</c>), as the gateway README shows.
/// </summary>
public sealed class StationTlsTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private const string Password = "a-long-station-password";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("pipelet-gateway-tls-");
    private X509Certificate2 _certificate = null!;
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _certificate = CreateSelfSigned();
        var path = Path.Combine(_directory.FullName, "gateway.pfx");
        await File.WriteAllBytesAsync(path, _certificate.Export(X509ContentType.Pfx, "pfx-password"));
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?>
            {
                ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
                ["Kestrel:Endpoints:Ocpps:Url"] = "https://127.0.0.1:0",
                ["Kestrel:Endpoints:Ocpps:Certificate:Path"] = path,
                ["Kestrel:Endpoints:Ocpps:Certificate:Password"] = "pfx-password",
                ["Gateway:StationAuthentication:Enabled"] = "true",
                ["Gateway:StationAuthentication:Stations:CP-TLS"] = StationPasswordHasher.Hash(Password),
            });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
        _certificate.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_station_with_its_password_boots_over_wss()
    {
        using var socket = NewSocket(Password, trustOurCertificate: true);
        await socket.ConnectAsync(_gateway.SecureStationUri("CP-TLS"), Timeout());
        Assert.Equal("ocpp1.6", socket.SubProtocol);

        await socket.SendAsync("""[2,"boot-1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]"""u8.ToArray(),
            WebSocketMessageType.Text, true, Timeout());
        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, Timeout());
        Assert.True(result.MessageType == WebSocketMessageType.Text, $"{result.MessageType} {socket.CloseStatus} {socket.CloseStatusDescription}");
        var answer = JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement;
        Assert.Equal(3, answer[0].GetInt32());
        Assert.Equal("boot-1", answer[1].GetString());
        Assert.Equal("Accepted", answer[2].GetProperty("status").GetString());
        await _events.NextAsync("CP-TLS", "BootNotification");
    }

    [Fact]
    public async Task A_wrong_password_over_wss_is_a_401()
    {
        using var socket = NewSocket("not-the-password", trustOurCertificate: true);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_gateway.SecureStationUri("CP-TLS"), Timeout()));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task The_socket_really_is_tls_a_client_that_does_not_trust_the_certificate_is_refused()
    {
        using var socket = NewSocket(Password, trustOurCertificate: false);
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_gateway.SecureStationUri("CP-TLS"), Timeout()));
        Assert.Contains("SSL", refused.InnerException?.Message ?? refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    private ClientWebSocket NewSocket(string password, bool trustOurCertificate)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("ocpp1.6");
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", TestStation.BasicAuthorization("CP-TLS", password));
        if (trustOurCertificate)
        {
            var thumbprint = _certificate.Thumbprint;
            socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == thumbprint;
        }

        return socket;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
