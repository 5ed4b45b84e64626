using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipelet.Client;

/// <summary>
/// A verified delivery: the documented body (<c>event</c>, <c>station_id</c>, <c>timestamp</c>, <c>payload</c>)
/// with the message id (the same on every retry: use it to drop duplicates) and the attempt number.
/// </summary>
public sealed record PipeletWebhook(string Id, int Attempt, string Event, string StationId, DateTimeOffset Timestamp, JsonElement Payload);

/// <summary>ASP.NET Core minimal-API helpers for receivers.</summary>
public static class WebhookEndpoints
{
    private const int MaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// <c>POST {pattern}</c>: verifies the signature with <paramref name="signingSecret"/> (401 when it fails),
    /// reads the delivery, runs <paramref name="handle"/> and answers 204, which tells Pipelet it arrived.
    /// An exception from the handler answers 500, and Pipelet retries later.
    /// </summary>
    public static RouteHandlerBuilder MapPipeletWebhook(this IEndpointRouteBuilder app, string pattern, string signingSecret, Func<PipeletWebhook, Task> handle)
    {
        ArgumentException.ThrowIfNullOrEmpty(signingSecret);
        return app.MapPost(pattern, async (HttpContext http) =>
        {
            var body = await ReadBodyAsync(http.Request, http.RequestAborted);
            if (body is null) return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large");
            try
            {
                WebhookVerifier.Verify(signingSecret, http.Request.Headers, body);
            }
            catch (InvalidWebhookSignatureException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid webhook signature", detail: ex.Message);
            }

            if (Read(http.Request.Headers, body) is not { } webhook)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a Pipelet delivery body");
            }

            await handle(webhook);
            return Results.NoContent();
        });
    }

    /// <inheritdoc cref="MapPipeletWebhook(IEndpointRouteBuilder, string, string, Func{PipeletWebhook, Task})"/>
    public static RouteHandlerBuilder MapPipeletWebhook(this IEndpointRouteBuilder app, string pattern, string signingSecret, Action<PipeletWebhook> handle) =>
        app.MapPipeletWebhook(pattern, signingSecret, webhook =>
        {
            handle(webhook);
            return Task.CompletedTask;
        });

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static PipeletWebhook? Read(IHeaderDictionary headers, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return new PipeletWebhook(
                headers[WebhookVerifier.IdHeader].ToString(),
                int.TryParse(headers["webhook-attempt"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) ? attempt : 1,
                root.GetProperty("event").GetString()!,
                root.GetProperty("station_id").GetString()!,
                root.GetProperty("timestamp").GetDateTimeOffset(),
                root.GetProperty("payload").Clone());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
