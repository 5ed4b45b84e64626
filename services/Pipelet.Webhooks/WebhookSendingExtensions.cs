using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Pipelet.Webhooks;

public static class WebhookSendingExtensions
{
    /// <summary>
    /// Registers <see cref="WebhookSender"/> on a connection pool that follows no redirects, bounds each
    /// attempt by <c>Delivery__Timeout</c>, and applies the SSRF rule to the address it dials.
    /// </summary>
    public static IHostApplicationBuilder AddWebhookSending(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookSendingOptions>()
            .BindConfiguration(WebhookSendingOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddHttpClient<WebhookSender>(WebhookSender.HttpClientName, http =>
            {
                // Each attempt has its own deadline (Delivery__Timeout) so a timeout can be told apart.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptions<WebhookSendingOptions>>().Value;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    MaxConnectionsPerServer = options.MaxConnectionsPerReceiver,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectTimeout = options.Timeout,
                    ConnectCallback = (context, cancellationToken) =>
                        ConnectAsync(context, options.AllowPrivateNetworks, cancellationToken),
                };
            })
            // One long-lived pool: the handler carries the SSRF rule and must not be recycled mid-flight.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        return builder;
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = await NetworkAddressPolicy.ResolveAllowedAsync(host, allowPrivateNetworks, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new WebhookAddressRefusedException(host);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
