using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Testing;
using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// A batch of retries leaves its rung when its retries are due (<see cref="RetryScheduler"/> sets the message's own
/// expiration), not a whole rung after it arrived; and it reaches the deliveries queue without that expiration, which
/// there (no dead-letter exchange) would drop it.
/// </summary>
public sealed class RetryRungExpiryTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    [Fact]
    public async Task A_message_due_before_its_rung_ends_leaves_the_rung_then_and_arrives_without_an_expiration()
    {
        var vhost = await infrastructure.CreateVirtualHostAsync();
        await using var connection = await new ConnectionFactory { Uri = vhost }.CreateConnectionAsync();
        // A rung far longer than the test waits: only the message's own expiration can bring it back in time.
        var rung = TimeSpan.FromMinutes(30);
        await new RetryTopology(connection, RetryLadder.Parse("30m"), NullLogger<RetryTopology>.Instance).StartAsync(CancellationToken.None);
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(RetryQueues.Deliveries, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(RetryQueues.Deliveries, RetryQueues.Deliveries, "");

        var properties = new BasicProperties { Persistent = true, Expiration = "100" };
        await channel.BasicPublishAsync(RetryQueues.ForWait(rung), "", mandatory: true, properties, "due soon"u8.ToArray());

        BasicGetResult? arrived;
        var waited = Stopwatch.StartNew();
        while ((arrived = await channel.BasicGetAsync(RetryQueues.Deliveries, autoAck: true)) is null && waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(50);
        }

        Assert.NotNull(arrived);
        Assert.Equal("due soon"u8.ToArray(), arrived.Body.ToArray());
        Assert.Null(arrived.BasicProperties.Expiration);
    }
}
