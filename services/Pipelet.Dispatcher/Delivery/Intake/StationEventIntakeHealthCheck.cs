using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipelet.Dispatcher.Delivery.Intake;

/// <summary>Ready only while the intake consumes: until then a published event would wait, and a test or probe should too.</summary>
public sealed class StationEventIntakeHealthCheck(StationEventIntake intake) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(intake.IsConsuming
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, $"Not consuming {RetryQueues.StationEvents} (broker unreachable or reconnecting)."));
}
