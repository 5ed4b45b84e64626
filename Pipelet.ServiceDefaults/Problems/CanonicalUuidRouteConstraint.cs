using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipelet.ServiceDefaults.Problems;

/// <summary>
/// <c>{id:uuid}</c>: a UUID in the one spelling we write (8-4-4-4-12 hex digits, either case). The <c>guid</c>
/// constraint also takes braces, parentheses, no hyphens and surrounding spaces, so one resource would answer
/// under several paths; anything else here is a 404.
/// </summary>
public sealed class CanonicalUuidRouteConstraint : IRouteConstraint
{
    public const string Name = "uuid";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value)
        && value is string { Length: 36 } text
        && Guid.TryParseExact(text, "D", out _);
}
