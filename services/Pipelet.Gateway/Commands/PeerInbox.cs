using Pipelet.Contracts.Gateway;
using Pipelet.Gateway.Peers;
using Pipelet.Gateway.Stations;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pipelet.Gateway.Commands;

/// <summary>
/// This instance's end of gateway-to-gateway traffic: its own queue, exclusive to its connection so the
/// broker deletes it with the instance, declared before the gateway takes sockets. It carries commands
/// for the stations this instance holds (each run at once, answered to its asker's reply-to address) and
/// notices that a station has reconnected to another instance.
/// </summary>
internal sealed class PeerInbox(
    IConnection connection,
    GatewayInstance instance,
    StationCommands commands,
    StationRegistry registry,
    GatewayPeers peers,
    ILogger<PeerInbox> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private IChannel? _channel;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(instance.QueueName, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += OnReceivedAsync;
        // No acks: a command lost with this instance is answered by the asker's timeout, never run twice.
        await channel.BasicConsumeAsync(instance.QueueName, autoAck: true, consumer, cancellationToken);
        _channel = channel;
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        var properties = delivery.BasicProperties;
        switch (properties.Type)
        {
            case PeerMessages.Command when properties.ReplyTo is { } replyTo:
                // Not awaited: a command waits seconds for its station, and commands to other stations must not queue behind it.
                _ = RunAsync(PeerMessages.Deserialize<StationCommandRequest>(delivery.Body.Span), replyTo, properties.CorrelationId);
                break;
            case PeerMessages.SessionReplaced:
                CloseReplaced(PeerMessages.Deserialize<StationSessionReplaced>(delivery.Body.Span));
                break;
            default:
                logger.LogWarning("Ignored a peer message of type {Type}", properties.Type);
                break;
        }

        return Task.CompletedTask;
    }

    private async Task RunAsync(StationCommandRequest request, string replyTo, string? correlationId)
    {
        try
        {
            var result = await commands.SendHereAsync(request.StationId, request.Action, request.Payload, request.Timeout, _stopping.Token);
            await peers.AnswerAsync(replyTo, correlationId, result, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: the asker's timeout answers for us.
        }
        catch (Exception ex)
        {
            // Nobody awaits this task: what went wrong is logged, and the asker's timeout answers.
            logger.LogError(ex, "A {Action} command for station {StationId} from another instance failed", request.Action, request.StationId);
        }
    }

    /// <summary>The newest connection wins, also across instances: an older socket here closes.</summary>
    private void CloseReplaced(StationSessionReplaced notice)
    {
        if (registry.TryGet(notice.StationId, out var session) && session.ConnectedAt <= notice.ConnectedAt && session.SessionId != notice.SessionId)
        {
            session.CloseReplaced();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_channel is { IsOpen: true } channel) await channel.CloseAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync();
        _stopping.Dispose();
    }
}
