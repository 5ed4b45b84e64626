namespace Pipelet.Subscriptions.Http;

/// <summary>The problem responses the API's handlers share.</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult NotFound(string what, long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found", detail: $"There is no {what.ToLowerInvariant()} with id {id}.");
}
