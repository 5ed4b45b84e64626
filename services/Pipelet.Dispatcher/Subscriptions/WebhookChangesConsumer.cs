using MassTransit;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Dispatcher.Subscriptions;

/// <summary>
/// Applies subscription changes to this instance's <see cref="WebhookDirectory"/>. Every instance needs
/// every change, so this consumer lives on a temporary queue of its own (not a competing one).
/// </summary>
public sealed class WebhookChangesConsumer(WebhookDirectory directory) : IConsumer<WebhookUpserted>, IConsumer<WebhookDeleted>
{
    public Task Consume(ConsumeContext<WebhookUpserted> context)
    {
        directory.Upsert(context.Message.Webhook);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<WebhookDeleted> context)
    {
        directory.Delete(context.Message.WebhookId, context.Message.DeletedAt);
        return Task.CompletedTask;
    }
}
