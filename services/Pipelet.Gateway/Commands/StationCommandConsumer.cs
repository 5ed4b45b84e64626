using MassTransit;
using Pipelet.Contracts.Gateway;
using Pipelet.Gateway.Stations;

namespace Pipelet.Gateway.Commands;

/// <summary>
/// This instance's end of gateway-to-gateway traffic, on its own temporary queue: commands for the
/// stations it holds, and notices that a station has reconnected to another instance.
/// </summary>
internal sealed class StationCommandConsumer(StationCommands commands, StationRegistry registry)
    : IConsumer<StationCommandRequest>, IConsumer<StationSessionReplaced>
{
    public async Task Consume(ConsumeContext<StationCommandRequest> context)
    {
        var request = context.Message;
        var result = await commands.SendHereAsync(request.StationId, request.Action, request.Payload, request.Timeout, context.CancellationToken);
        await context.RespondAsync(result);
    }

    public Task Consume(ConsumeContext<StationSessionReplaced> context)
    {
        var notice = context.Message;
        if (registry.TryGet(notice.StationId, out var session) && session.ConnectedAt <= notice.ConnectedAt && session.SessionId != notice.SessionId)
        {
            session.CloseReplaced();
        }

        return Task.CompletedTask;
    }
}
