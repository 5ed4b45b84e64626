namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// Classes that expect a start of the service to fail run alone, after the others: a start that fails
/// while other test hosts of the same Program are being built has once reported an unrelated error.
/// </summary>
[CollectionDefinition(nameof(FailedStartCollection), DisableParallelization = true)]
public sealed class FailedStartCollection;
