using MassTransit;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Data;

namespace Pipelet.Dispatcher.Subscriptions;

/// <summary>
/// Applies subscription changes to this instance's <see cref="WebhookDirectory"/>. Every instance needs
/// every change, so this consumer lives on a temporary queue of its own (not a competing one). A webhook
/// that stops taking deliveries has its pending retries cancelled in the log at once (<see cref="RetryCancellation"/>);
/// one enabled again starts a fresh count of failed tries (<see cref="WebhookFailureLog"/>).
/// </summary>
public sealed class WebhookChangesConsumer(WebhookDirectory directory, RetryCancellation cancellation, WebhookFailureLog failures)
    : IConsumer<WebhookUpserted>, IConsumer<WebhookDeleted>
{
    public Task Consume(ConsumeContext<WebhookUpserted> context)
    {
        var webhookId = context.Message.Webhook.WebhookId;
        var wasDisabled = directory.Find(webhookId) is { Settings.Enabled: false };
        directory.Upsert(context.Message.Webhook);
        // Asked of the directory, not the message: a stale upsert it ignored changes nothing.
        var enabled = directory.Find(webhookId) is { Settings.Enabled: true };
        if (!enabled) cancellation.Cancel(webhookId);
        // Enabled again by its owner: the failures that had it disabled no longer count towards disabling it again.
        else if (wasDisabled) failures.Reset(webhookId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<WebhookDeleted> context)
    {
        var webhookId = context.Message.WebhookId;
        directory.Delete(webhookId, context.Message.DeletedAt);
        if (directory.Find(webhookId) is null) cancellation.Cancel(webhookId);
        return Task.CompletedTask;
    }
}

internal sealed class WebhookChangesConsumerDefinition : ConsumerDefinition<WebhookChangesConsumer>
{
    public WebhookChangesConsumerDefinition()
    {
        // Every instance must see every change: a temporary (auto-delete) queue per instance.
        Endpoint(e =>
        {
            e.Name = "dispatcher-webhook-changes";
            e.InstanceId = Guid.NewGuid().ToString("N")[..12];
            e.Temporary = true;
        });
        ConcurrentMessageLimit = 1; // changes apply in order
    }
}
