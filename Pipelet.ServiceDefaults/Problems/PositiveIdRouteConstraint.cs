using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipelet.ServiceDefaults.Problems;

/// <summary>
/// <c>{id:positive-id}</c>: an id as we hand them out, a plain positive integer (digits only, no sign,
/// space or leading zero, within <see cref="long"/>). The <c>long</c> constraint would also take <c>+1</c>,
/// <c> 1</c> and <c>-1</c>, so one resource would answer under several paths; anything else here is a 404.
/// </summary>
public sealed class PositiveIdRouteConstraint : IRouteConstraint
{
    public const string Name = "positive-id";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value)
        && Convert.ToString(value, CultureInfo.InvariantCulture) is { } text
        && IsPositiveId(text);

    public static bool IsPositiveId(string text) =>
        text.Length is > 0 and <= 19
        && text[0] is >= '1' and <= '9'
        && text.All(char.IsAsciiDigit)
        && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _);
}
