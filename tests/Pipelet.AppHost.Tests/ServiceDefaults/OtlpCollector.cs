using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Pipelet.Testing;

namespace Pipelet.AppHost.Tests.ServiceDefaults;

/// <summary>
/// Accepts OTLP exports, over HTTP/1.1 (<c>/v1/traces</c>, ...) or gRPC on cleartext HTTP/2
/// (<c>/opentelemetry.proto.collector.trace.v1.TraceService/Export</c>, ...), answering each with an
/// empty success, and keeps the bodies (protobuf keeps strings as UTF-8).
/// </summary>
internal sealed class OtlpCollector : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _received = new();
    private LoopbackServer _server = null!;

    public string Url => _server.Address.ToString().TrimEnd('/');

    public static async Task<OtlpCollector> StartAsync(bool grpc)
    {
        var collector = new OtlpCollector();
        collector._server = await LoopbackServer.StartAsync(
            app => app.Run(async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                collector._received.Enqueue((context.Request.Path.Value ?? "", body.ToArray()));
                if (grpc)
                {
                    // One empty Export*ServiceResponse message, then status OK in the trailers.
                    context.Response.ContentType = "application/grpc";
                    await context.Response.Body.WriteAsync(new byte[5]);
                    context.Response.AppendTrailer("grpc-status", "0");
                }
                else
                {
                    context.Response.ContentType = "application/x-protobuf";
                }
            }),
            builder => builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
                listen.Protocols = grpc ? Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2 : Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1)));
        return collector;
    }

    /// <summary>The bodies received for one signal ("trace", "metrics", "logs"), whichever protocol carried them.</summary>
    public IEnumerable<byte[]> Bodies(string signal) =>
        _received
            .Where(r => r.Path.Contains($"/v1/{(signal == "trace" ? "traces" : signal)}", StringComparison.Ordinal)
                || r.Path.Contains($".{signal}.v1.", StringComparison.Ordinal))
            .Select(r => r.Body);

    /// <summary>Everything received for one signal, as text.</summary>
    public string Text(string signal) => string.Concat(Bodies(signal).Select(Encoding.UTF8.GetString));

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
