using Pipelet.Subscriptions.Http;

namespace Pipelet.Subscriptions.Apis;

internal static class FallbackApi
{
    /// <summary>Any other path under <c>/api/v1</c> is a 404 problem, not an empty 404.</summary>
    public static IEndpointConventionBuilder MapApiFallback(this IEndpointRouteBuilder app) =>
        app.MapFallback("/api/v1/{**path}", (HttpContext context) => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Not found",
                detail: $"There is no resource at {context.Request.Path}."))
            .ExcludeFromDescription();
}
