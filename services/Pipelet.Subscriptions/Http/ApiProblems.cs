namespace Pipelet.Subscriptions.Http;

/// <summary>The problem responses the API's handlers share.</summary>
internal static class ApiProblems
{
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 50;

    public static ProblemHttpResult NotFound(string what, long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found", detail: $"There is no {what.ToLowerInvariant()} with id {id}.");

    /// <summary>Checks <c>?after=&amp;limit=</c>; null when fine.</summary>
    public static ValidationErrors? CheckPaging(long? after, int? limit)
    {
        var errors = new ValidationErrors();
        if (after is < 0) errors.Add("after", "after must be 0 or a positive id.");
        if (limit is < 1 or > MaxPageSize) errors.Add("limit", $"limit must be between 1 and {MaxPageSize}.");
        return errors.IsEmpty ? null : errors;
    }
}
