using System.Text.Json;
using MassTransit.Serialization;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Tests.Infrastructure;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// A batch's list is <c>retries</c> on the wire, with MassTransit's serializer settings, both ways: messages a
/// dispatcher sent before the list was named <see cref="WebhookDeliveryBatch.Tries"/> may still wait in a rung.
/// </summary>
public sealed class WebhookDeliveryBatchTests
{
    [Fact]
    public void A_batch_is_written_and_read_with_its_list_named_retries()
    {
        var delivery = new WebhookDelivery(Guid.NewGuid(), 7, 2, TestBus.Event(EventCatalogue.MeterValues, "CP-1", "{}"),
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        var json = JsonSerializer.Serialize(new WebhookDeliveryBatch([new BatchedTry(delivery, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null)]),
            SystemTextJsonMessageSerializer.Options);

        using (var document = JsonDocument.Parse(json))
        {
            Assert.Equal(1, document.RootElement.GetProperty("retries").GetArrayLength());
        }

        var read = JsonSerializer.Deserialize<WebhookDeliveryBatch>(json, SystemTextJsonMessageSerializer.Options);
        Assert.NotNull(read);
        var item = Assert.Single(read.Tries);
        Assert.Equal(delivery.DeliveryId, item.Delivery.DeliveryId);
        Assert.Equal(2, item.Delivery.Attempt);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", item.TraceParent);
    }
}
