using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipelet.Gateway.Events;

/// <summary>
/// Ready only while events can be published: the event connection opens (or is already open) and has
/// an open channel. Checked before stations are sent here, it also opens the connection ahead of the first CALL.
/// </summary>
internal sealed class EventChannelsHealthCheck(EventChannels channels) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            await channels.NextAsync(deadline.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.RabbitMQClientException or RabbitMQ.Client.Exceptions.OperationInterruptedException
                                       or OperationCanceledException or IOException or System.Net.Sockets.SocketException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The event connection to RabbitMQ cannot be opened.", ex);
        }
    }
}
