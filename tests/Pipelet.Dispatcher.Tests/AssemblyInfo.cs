// The integration tests run real dispatcher processes and servers on two cores: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
