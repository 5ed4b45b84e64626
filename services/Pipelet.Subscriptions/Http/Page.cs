namespace Pipelet.Subscriptions.Http;

/// <summary>
/// One page of a list, oldest first (by id). Ask for the next page with <c>?after={next_after}</c>;
/// <c>next_after</c> is null on the last page. Keyset paging: stable while rows are added or removed.
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, long? NextAfter);
