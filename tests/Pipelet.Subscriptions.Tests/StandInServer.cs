using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipelet.Testing;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// A webhook receiver or an upstream service stand-in that records every request and answers with
/// <see cref="StatusCode"/> and <c>{"served_by":name}</c>.
/// </summary>
public sealed class StandInServer : IAsyncDisposable
{
    private LoopbackServer _server = null!;

    private StandInServer()
    {
    }

    public Uri Address => _server.Address;

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>The OpenAPI document served at <c>/openapi/v1.json</c>, if any.</summary>
    public string? Document { get; set; }

    /// <summary>The status the server answers with.</summary>
    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    /// <summary>
    /// A stand-in called <paramref name="name"/>; with <paramref name="describedBy"/> it also serves that
    /// OpenAPI document, as the service it stands in for does.
    /// </summary>
    public static async Task<StandInServer> StartAsync(string name, string? describedBy = null)
    {
        var standIn = new StandInServer { Document = describedBy };
        standIn._server = await LoopbackServer.StartAsync(app => app.Run(async context =>
        {
            if (standIn.Document is { } document && context.Request.Path == ApiDocuments.Path)
            {
                // The edge reads it at start and on every refresh; not one of the requests a test counts.
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(document);
                return;
            }

            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            standIn.Requests.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body));
            context.Response.StatusCode = standIn.StatusCode;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"served_by":"{{name}}"}""");
        }));
        return standIn;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body);
