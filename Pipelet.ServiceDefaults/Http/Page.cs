namespace Pipelet.ServiceDefaults.Http;

/// <summary>
/// One page of any list of the public API: <c>{"items":[...],"next_cursor":"..."|null}</c>. The next page is
/// <c>?cursor={next_cursor}</c>; <c>next_cursor</c> is null on the last page. The cursor is opaque to clients:
/// each list writes its own keyset position in it, so paging stays stable while rows are added or removed.
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// The paging query every list takes, read one way: <c>?cursor=</c> (or the list's deprecated alias, <c>after</c>
/// or <c>before</c>, which older clients send) and <c>?limit=</c>. Errors name the parameter the request used.
/// </summary>
public readonly record struct PageQuery(string? Cursor, string CursorField, int Limit)
{
    public const string CursorName = "cursor";
    public const string LimitName = "limit";

    /// <summary>Reads the query; a bad <c>limit</c> is added to <paramref name="errors"/>. The cursor is checked by the list, which alone can read it.</summary>
    public static PageQuery Read(string? cursor, string? deprecatedCursor, string deprecatedName, string? limit, PageLimits limits, IDictionary<string, string[]> errors)
    {
        var size = limits.Default;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size)
                                  || size < 1 || size > limits.Max))
        {
            errors[LimitName] = [$"limit must be a whole number from 1 to {limits.Max}."];
        }

        return cursor is not null ? new PageQuery(cursor, CursorName, size) : new PageQuery(deprecatedCursor, deprecatedName, size);
    }

    /// <summary>Adds the error for a cursor this list did not write.</summary>
    public void RefuseCursor(IDictionary<string, string[]> errors) =>
        errors[CursorField] = [$"{CursorField} must be the next_cursor of a previous page of this list."];

    /// <summary>The page of <paramref name="items"/>, read with one more than <see cref="Limit"/> to know whether another follows.</summary>
    public Page<T> PageOf<T>(IReadOnlyList<T> items, Func<T, string> cursorOf) =>
        items.Count > Limit ? new Page<T>([.. items.Take(Limit)], cursorOf(items[Limit - 1])) : new Page<T>(items, null);
}

/// <summary>How many items a page of a list holds when the request does not say (<see cref="Default"/>), and at most.</summary>
public readonly record struct PageLimits(int Default, int Max);
