using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher.Tests;

public sealed class DeliveryOptionsTests
{
    private static readonly DeliveryOptionsValidator Validator = new();

    [Fact]
    public void The_defaults_are_valid_and_leave_most_fan_out_slots_to_other_webhooks()
    {
        var options = new DeliveryOptions();

        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.True(options.InlineConcurrencyPerWebhook * 2 <= options.FanOutConcurrency);
        Assert.True(options.BatchConcurrency <= options.FanOutConcurrency);
    }

    [Theory]
    [InlineData(64, 64)]
    [InlineData(100, 64)]
    public void A_webhook_that_could_hold_every_fan_out_slot_is_refused_at_start_with_the_settings_names(int inline, int fanOut) =>
        AssertRefusedNaming(new DeliveryOptions { InlineConcurrencyPerWebhook = inline, FanOutConcurrency = fanOut },
            "Delivery__InlineConcurrencyPerWebhook", "Delivery__FanOutConcurrency");

    [Theory]
    [InlineData(64, 64)]
    [InlineData(64, 32)]
    public void Inline_slots_that_leave_retries_none_of_the_webhooks_slots_are_refused_at_start_with_the_settings_names(int inline, int perWebhook)
    {
        AssertRefusedNaming(new DeliveryOptions { InlineConcurrencyPerWebhook = inline, ConcurrencyPerWebhook = perWebhook },
            "Delivery__InlineConcurrencyPerWebhook", "Delivery__ConcurrencyPerWebhook");
        Assert.True(Validator.Validate(null, new DeliveryOptions { InlineConcurrencyPerWebhook = inline, ConcurrencyPerWebhook = inline + 1 }).Succeeded);
    }

    [Fact]
    public void More_batches_at_once_than_event_slots_are_refused_at_start_with_the_settings_names()
    {
        AssertRefusedNaming(new DeliveryOptions { BatchConcurrency = 300, FanOutConcurrency = 256 }, "Delivery__BatchConcurrency", "Delivery__FanOutConcurrency");
        Assert.True(Validator.Validate(null, new DeliveryOptions { BatchConcurrency = 256, FanOutConcurrency = 256 }).Succeeded);
    }

    /// <summary>The settings are refused, and the message names every one of <paramref name="settings"/>.</summary>
    private static void AssertRefusedNaming(DeliveryOptions options, params string[] settings)
    {
        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        foreach (var setting in settings) Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_retry_schedule_is_refused_with_its_settings_name()
    {
        var result = Validator.Validate(null, new DeliveryOptions { RetrySchedule = "soon" });

        Assert.True(result.Failed);
        Assert.StartsWith("Delivery__RetrySchedule", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(11, 10)]
    [InlineData(30, 10)]
    public void A_slow_threshold_a_timeout_could_never_reach_is_refused_with_both_settings_names(int thresholdSeconds, int timeoutSeconds)
    {
        var sending = Microsoft.Extensions.Options.Options.Create(new Webhooks.WebhookSendingOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds) });

        var result = new SlowThresholdValidator(sending).Validate(null, new DeliveryOptions { SlowThreshold = TimeSpan.FromSeconds(thresholdSeconds) });

        Assert.True(result.Failed);
        Assert.Contains("Delivery__SlowThreshold", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Delivery__Timeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new SlowThresholdValidator(Microsoft.Extensions.Options.Options.Create(new Webhooks.WebhookSendingOptions())).Validate(null, new DeliveryOptions()).Succeeded);
    }
}
