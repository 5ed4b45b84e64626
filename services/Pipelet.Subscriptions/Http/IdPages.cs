using System.Globalization;
using Pipelet.ServiceDefaults.Http;

namespace Pipelet.Subscriptions.Http;

/// <summary>
/// This service's lists (webhooks, API keys) are oldest first by id: a page's cursor is its last id in decimal,
/// and the next page is the rows with a greater id.
/// </summary>
internal static class IdPages
{
    /// <summary>50 items a page unless the request says otherwise, 100 at most.</summary>
    public static readonly PageLimits Limits = new(50, 100);

    /// <summary>The page the query asks for; <paramref name="read"/> gets the id to start after and how many rows to read.</summary>
    public static async Task<Results<Ok<Page<TResponse>>, ValidationProblem>> ReadAsync<TItem, TResponse>(
        string? limit, string? cursor, string? after, Func<long, int, Task<IReadOnlyList<TItem>>> read, Func<TItem, TResponse> map, Func<TResponse, long> idOf)
    {
        var errors = new Dictionary<string, string[]>();
        var query = PageQuery.Read(cursor, after, nameof(after), limit, Limits, errors);
        long idAfter = 0;
        if (query.Cursor is not null && !long.TryParse(query.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out idAfter))
        {
            query.RefuseCursor(errors);
        }

        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var items = await read(idAfter, query.Limit + 1);
        return TypedResults.Ok(query.PageOf(items.Select(map).ToList(), item => idOf(item).ToString(CultureInfo.InvariantCulture)));
    }
}
