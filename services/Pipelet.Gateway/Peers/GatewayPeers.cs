using System.Collections.Concurrent;
using System.Globalization;
using Pipelet.Contracts.Gateway;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pipelet.Gateway.Peers;

/// <summary>
/// Messages to other gateway instances on the connection Aspire.RabbitMQ.Client registers: a command for a
/// station another instance holds (answered over RabbitMQ's direct reply-to, so no reply queue is declared)
/// and notices that a station moved here. One channel carries them, and the answers this instance sends
/// back to its peers; it is reopened on first use after the broker closed it.
/// </summary>
internal sealed class GatewayPeers(IConnection connection, ILogger<GatewayPeers> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, PendingCommand> _pending = new();
    private IChannel? _channel;

    /// <summary>
    /// Runs <paramref name="request"/> on the instance <paramref name="instanceId"/> and waits up to
    /// <paramref name="wait"/> for its answer. An instance whose queue is gone (it stopped) holds no station:
    /// the broker hands the command back at once, and that is NotConnected. A broker out of reach is
    /// EventNotStored: the command never left, as a local command whose event the broker did not keep.
    /// </summary>
    public async Task<StationCommandResult> SendCommandAsync(string instanceId, StationCommandRequest request, TimeSpan wait, CancellationToken cancellationToken)
    {
        var correlationId = Guid.NewGuid().ToString("N");
        var pending = new PendingCommand(request, new TaskCompletionSource<StationCommandResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[correlationId] = pending;
        try
        {
            var properties = new BasicProperties
            {
                Type = PeerMessages.Command,
                ContentType = PeerMessages.ContentType,
                CorrelationId = correlationId,
                ReplyTo = PeerMessages.DirectReplyTo,
                // A command its asker has given up on is dropped, never run late.
                Expiration = ((long)wait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            };
            if (!await TryPublishAsync(GatewayInstance.QueueNameOf(instanceId), properties, PeerMessages.Serialize(request), cancellationToken))
            {
                return Result(request, StationCommandStatus.EventNotStored);
            }

            return await pending.Answer.Task.WaitAsync(wait, cancellationToken);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Instance {InstanceId} did not answer a {Action} command for station {StationId}", instanceId, request.Action, request.StationId);
            return Result(request, StationCommandStatus.Timeout);
        }
        finally
        {
            _pending.TryRemove(correlationId, out _);
        }
    }

    /// <summary>Tells <paramref name="instanceId"/> to close its older socket of a station that connected here.</summary>
    public async Task TellSessionReplacedAsync(string instanceId, StationSessionReplaced notice, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties { Type = PeerMessages.SessionReplaced, ContentType = PeerMessages.ContentType };
        if (!await TryPublishAsync(GatewayInstance.QueueNameOf(instanceId), properties, PeerMessages.Serialize(notice), cancellationToken))
        {
            logger.LogWarning("Could not tell instance {InstanceId} that station {StationId} reconnected here", instanceId, notice.StationId);
        }
    }

    /// <summary>The answer to a peer's command, sent to the reply-to address it came with.</summary>
    public async Task AnswerAsync(string replyTo, string? correlationId, StationCommandResult result, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties { Type = PeerMessages.CommandResult, ContentType = PeerMessages.ContentType, CorrelationId = correlationId };
        if (!await TryPublishAsync(replyTo, properties, PeerMessages.Serialize(result), cancellationToken))
        {
            logger.LogWarning("Could not answer a {Action} command for station {StationId}", result.Action, result.StationId);
        }
    }

    /// <summary>Publishes through the default exchange, mandatory: a message no queue takes comes back (<see cref="OnReturnedAsync"/>).</summary>
    private async Task<bool> TryPublishAsync(string routingKey, BasicProperties properties, byte[] body, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var channel = await OpenAsync(cancellationToken);
            await channel.BasicPublishAsync(string.Empty, routingKey, mandatory: true, properties, body, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is RabbitMQClientException or IOException)
        {
            logger.LogWarning(ex, "The broker did not take a message for {RoutingKey}", routingKey);
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The open channel, with its direct reply-to consumer; called under <see cref="_gate"/>.</summary>
    private async ValueTask<IChannel> OpenAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open) return open;
        if (_channel is { } closed)
        {
            _channel = null;
            await closed.DisposeAsync();
        }

        // Throws at once while the connection is down (it recovers on its own); the channel's consumer is recovered with it.
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        channel.BasicReturnAsync += OnReturnedAsync;
        var answers = new AsyncEventingBasicConsumer(channel);
        answers.ReceivedAsync += OnAnswerAsync;
        // Direct reply-to: consume the pseudo-queue without acks, before publishing on the same channel.
        await channel.BasicConsumeAsync(PeerMessages.DirectReplyTo, autoAck: true, answers, cancellationToken);
        _channel = channel;
        return channel;
    }

    private Task OnAnswerAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (delivery.BasicProperties.CorrelationId is { } id && _pending.TryGetValue(id, out var pending))
        {
            pending.Answer.TrySetResult(PeerMessages.Deserialize<StationCommandResult>(delivery.Body.Span));
        }

        return Task.CompletedTask;
    }

    /// <summary>No queue took the command: its instance has stopped, so it holds no socket.</summary>
    private Task OnReturnedAsync(object sender, BasicReturnEventArgs returned)
    {
        if (returned.BasicProperties.CorrelationId is { } id && _pending.TryGetValue(id, out var pending))
        {
            pending.Answer.TrySetResult(Result(pending.Request, StationCommandStatus.NotConnected));
        }

        return Task.CompletedTask;
    }

    private static StationCommandResult Result(StationCommandRequest request, StationCommandStatus status) =>
        new(request.StationId, request.Action, status);

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync();
        _gate.Dispose();
    }

    private sealed record PendingCommand(StationCommandRequest Request, TaskCompletionSource<StationCommandResult> Answer);
}
