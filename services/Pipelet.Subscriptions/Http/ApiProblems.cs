using System.Globalization;
using Pipelet.ServiceDefaults.Http;

namespace Pipelet.Subscriptions.Http;

/// <summary>The problem responses the API's handlers share.</summary>
internal static class ApiProblems
{
    /// <summary>50 items a page unless the request says otherwise, 100 at most.</summary>
    public static readonly PageLimits PageLimits = new(50, 100);

    public static ProblemHttpResult NotFound(string what, long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found", detail: $"There is no {what.ToLowerInvariant()} with id {id}.");

    /// <summary>
    /// The id a list ordered by id resumes after: the cursor is the last id of the previous page, in decimal
    /// (0, the start, without one). Null with an error added when the cursor is not one of ours.
    /// </summary>
    public static long? IdAfter(PageQuery query, IDictionary<string, string[]> errors)
    {
        if (query.Cursor is null) return 0;
        if (long.TryParse(query.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return id;
        query.RefuseCursor(errors);
        return null;
    }

    /// <summary>The cursor of the page after <paramref name="id"/>.</summary>
    public static string IdCursor(long id) => id.ToString(CultureInfo.InvariantCulture);
}
