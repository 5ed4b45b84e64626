using MassTransit;
using MassTransit.Middleware;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// Why <c>BusWatchdog</c> exists (MassTransit 8.5.12): every RabbitMQ send runs its channel's topology setup once
/// (<c>ConfigureRabbitMqTopologyFilter</c> via <c>OneTimeSetup</c>). When that setup fails (the connection went
/// away mid-declare in a broker restart) and the channel context is used again, the next send is queued behind a
/// setup that nothing will run, and waits forever: a consume making that send never ends, and its receive endpoint
/// never restarts. Seen in <c>CrashTests.A_broker_restart_mid_run_loses_none</c> (a dump of the stalled dispatcher
/// showed the consumes parked in <c>OneTimeSetup</c>). When this test fails, MassTransit has fixed it: run the
/// broker-restart test without the watchdog and remove it if it passes.
/// </summary>
public sealed class MassTransitTopologySetupTests
{
    [Fact]
    public void A_setup_that_completes_lets_every_later_send_through()
    {
        var channel = new Channel();

        Assert.True(channel.OneTimeSetup<Topology>(() => Task.CompletedTask).IsCompletedSuccessfully);
        Assert.True(channel.OneTimeSetup<Topology>(() => Task.CompletedTask).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task After_a_failed_setup_the_next_send_on_the_same_channel_never_proceeds()
    {
        var channel = new Channel();
        await Assert.ThrowsAsync<IOException>(() => channel.OneTimeSetup<Topology>(() => Task.FromException(new IOException("connection lost"))));

        var next = channel.OneTimeSetup<Topology>(() => Task.CompletedTask);

        // Its setup is queued behind the failed one, which has finished: nothing will ever run it.
        Assert.False(next.IsCompleted);
    }

    private sealed class Channel : BasePipeContext;

    private sealed class Topology;
}
