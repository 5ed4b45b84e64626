using System.Net;
using System.Net.Http.Json;
using Pipelet.Client;
using Pipelet.Console.Session;

namespace Pipelet.Console.Api;

/// <summary>
/// Sends the signed-in user's key with each call of their circuit's client (the pooled handlers below it are
/// shared by every user; the key is never on them). No answer at all, or none in time, becomes a 503 or 504
/// problem of the console's own, so that pages meet every failure as one <see cref="PipeletApiException"/>.
/// </summary>
internal sealed class ApiKeyHandler(KeySession session) : DelegatingHandler
{
    /// <summary>Longer than the API's own deadlines (a webhook test waits up to 10 s for the receiver).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (await session.GetKeyAsync() is not { } key) return Problem(HttpStatusCode.Unauthorized, "Not signed in", "Sign in with an API key first.");
        request.Headers.Add(PipeletClient.ApiKeyHeader, key);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            return await base.SendAsync(request, deadline.Token);
        }
        catch (HttpRequestException ex)
        {
            return Problem(HttpStatusCode.ServiceUnavailable, "The Pipelet API did not answer", ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Problem(HttpStatusCode.GatewayTimeout, "The Pipelet API did not answer in time", $"No answer within {Timeout.TotalSeconds:0} s.");
        }
    }

    private static HttpResponseMessage Problem(HttpStatusCode status, string title, string detail) => new(status)
    {
        Content = JsonContent.Create(new { status = (int)status, title, detail }, mediaType: new("application/problem+json")),
    };
}
