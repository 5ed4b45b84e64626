using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Testing;
using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// A batch of retries leaves its rung when its retries are due (<see cref="RetryScheduler"/> sets the message's own
/// expiration), not a whole rung after it arrived; and it reaches the retries queue without that expiration, which
/// there (no dead-letter exchange) would drop it. A first try that stepped aside comes back to the deliveries queue.
/// </summary>
public sealed class RetryRungExpiryTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    [Fact]
    public async Task A_message_due_before_its_rung_ends_leaves_the_rung_then_and_arrives_on_the_retries_queue_without_an_expiration()
    {
        await using var connection = await ConnectAsync();
        // A rung far longer than the test waits: only the message's own expiration can bring it back in time.
        var rung = TimeSpan.FromMinutes(30);
        await new RetryTopology(connection, RetryLadder.Parse("30m"), NullLogger<RetryTopology>.Instance).StartAsync(CancellationToken.None);
        await using var channel = await connection.CreateChannelAsync();
        await DeclareConsumedAsync(channel);

        var properties = new BasicProperties { Persistent = true, Expiration = "100" };
        await channel.BasicPublishAsync(RetryQueues.ForWait(rung), "", mandatory: true, properties, "due soon"u8.ToArray());

        var arrived = await ArrivalAsync(channel, RetryQueues.Retries);
        Assert.Equal("due soon"u8.ToArray(), arrived.Body.ToArray());
        Assert.Null(arrived.BasicProperties.Expiration);
        Assert.Equal(0u, await channel.MessageCountAsync(RetryQueues.Deliveries));
    }

    [Fact]
    public async Task A_first_try_that_steps_aside_comes_back_to_the_deliveries_queue_not_the_retries()
    {
        await using var connection = await ConnectAsync();
        await new RetryTopology(connection, RetryLadder.Parse("1s"), NullLogger<RetryTopology>.Instance).StartAsync(CancellationToken.None);
        await using var channel = await connection.CreateChannelAsync();
        await DeclareConsumedAsync(channel);

        await channel.BasicPublishAsync(RetryQueues.FirstTryDefer, "", mandatory: true, new BasicProperties { Persistent = true }, "first try"u8.ToArray());

        var arrived = await ArrivalAsync(channel, RetryQueues.Deliveries);
        Assert.Equal("first try"u8.ToArray(), arrived.Body.ToArray());
        Assert.Equal(0u, await channel.MessageCountAsync(RetryQueues.Retries));
    }

    private async Task<IConnection> ConnectAsync() =>
        await new ConnectionFactory { Uri = await infrastructure.CreateVirtualHostAsync() }.CreateConnectionAsync();

    /// <summary>The two queues MassTransit would declare and bind for the dispatcher's consumers.</summary>
    private static async Task DeclareConsumedAsync(IChannel channel)
    {
        foreach (var queue in new[] { RetryQueues.Deliveries, RetryQueues.Retries })
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(queue, queue, "");
        }
    }

    private static async Task<BasicGetResult> ArrivalAsync(IChannel channel, string queue)
    {
        BasicGetResult? arrived;
        var waited = Stopwatch.StartNew();
        while ((arrived = await channel.BasicGetAsync(queue, autoAck: true)) is null && waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(50);
        }

        Assert.NotNull(arrived);
        return arrived;
    }
}
