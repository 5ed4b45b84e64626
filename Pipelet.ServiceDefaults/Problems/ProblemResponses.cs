using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pipelet.ServiceDefaults.Problems;

/// <summary>
/// How every service's HTTP API answers bad input: RFC 7807 problem details for every 4xx and 5xx (405s and
/// unmatched routes included), a 415 for a body that is not UTF-8 JSON (<see cref="JsonBodyCheck"/>), field
/// errors for a body that does not bind (<see cref="BadRequestProblemHandler"/>), and <c>{id:positive-id}</c> and
/// <c>{id:uuid}</c> for id routes (<see cref="PositiveIdRouteConstraint"/>, <see cref="CanonicalUuidRouteConstraint"/>). One mechanism, so a body that one endpoint
/// refuses with a 4xx is refused the same way by all of them, never with a 500.
/// </summary>
public static class ProblemResponses
{
    public static TBuilder AddProblemResponses<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestProblemHandler>();
        // Body-binding failures become exceptions, which BadRequestProblemHandler turns into field errors.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<RouteOptions>(options =>
        {
            options.SetParameterPolicy<PositiveIdRouteConstraint>(PositiveIdRouteConstraint.Name);
            options.SetParameterPolicy<CanonicalUuidRouteConstraint>(CanonicalUuidRouteConstraint.Name);
        });
        return builder;
    }

    /// <summary>First in the pipeline: problem details for exceptions and for bodiless error statuses.</summary>
    public static IApplicationBuilder UseProblemResponses(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>
    /// After <c>UseAuthorization()</c> (a caller without a key hears 401 before anything about its body):
    /// the <see cref="JsonBodyCheck"/> for endpoints that take a JSON body.
    /// </summary>
    public static IApplicationBuilder UseJsonBodyCheck(this IApplicationBuilder app) =>
        app.Use((context, next) => JsonBodyCheck.InvokeAsync(context, () => next(context)));
}
