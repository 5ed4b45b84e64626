namespace Pipelet.Subscriptions.Edge;

/// <summary>
/// A small reverse proxy: streams the request to the upstream and its answer back, dropping hop-by-hop
/// headers and adding X-Forwarded-*. (YARP 2.1.0 would do this, but its System.IO.Hashing dependency is
/// not in our package feed.) An unreachable upstream is a 502 problem, a slow one a 504.
/// </summary>
internal sealed class EdgeForwarder(HttpClient http, EdgeUpstreams upstreams, ILogger<EdgeForwarder> logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(100);

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    public async Task ForwardAsync(HttpContext context, string service)
    {
        // The upstream's answer passes through as it is, even an empty 404.
        if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        var baseUri = upstreams.Addresses[service];
        var target = new Uri(baseUri, context.Request.PathBase.Add(context.Request.Path) + context.Request.QueryString.ToUriComponent());
        using var request = CreateRequest(context, target);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "Forwarding to {Service} failed", service);
            await WriteProblem(context, StatusCodes.Status502BadGateway, $"The {service} service is not reachable.");
            return;
        }
        catch (TaskCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            await WriteProblem(context, StatusCodes.Status504GatewayTimeout, $"The {service} service did not answer within {Timeout.TotalSeconds} s.");
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            CopyHeaders(response.Headers, context.Response.Headers);
            CopyHeaders(response.Content.Headers, context.Response.Headers);
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static HttpRequestMessage CreateRequest(HttpContext context, Uri target)
    {
        var incoming = context.Request;
        var request = new HttpRequestMessage(new HttpMethod(incoming.Method), target) { Version = System.Net.HttpVersion.Version11 };
        if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(incoming.Body);
        }

        foreach (var (name, values) in incoming.Headers)
        {
            if (HopByHop.Contains(name)) continue;
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        request.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString());
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Host.Value);
        return request;
    }

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeaders from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (!HopByHop.Contains(name)) to[name] = values.ToArray();
        }
    }

    private static Task WriteProblem(HttpContext context, int status, string detail) =>
        TypedResults.Problem(statusCode: status, title: "Upstream unavailable", detail: detail).ExecuteAsync(context);
}
