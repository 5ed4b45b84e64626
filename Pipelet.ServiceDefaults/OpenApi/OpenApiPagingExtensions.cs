using Microsoft.AspNetCore.Builder;
using Microsoft.OpenApi;
using Pipelet.ServiceDefaults.Http;

namespace Pipelet.ServiceDefaults.OpenApi;

/// <summary>Describes a list's paging query (<see cref="PageQuery"/>) in the OpenAPI document, the same for every list.</summary>
public static class OpenApiPagingExtensions
{
    /// <param name="deprecatedCursor">The list's older name for the cursor (<c>after</c> or <c>before</c>), still accepted.</param>
    public static RouteHandlerBuilder WithPaging(this RouteHandlerBuilder builder, PageLimits limits, string deprecatedCursor) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            {
                if (parameter.Name == PageQuery.LimitName)
                {
                    parameter.Description = $"Items per page, 1 to {limits.Max} (default {limits.Default}).";
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = limits.Max.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                }
                else if (parameter.Name == PageQuery.CursorName)
                {
                    parameter.Description = "Where the page starts: the next_cursor of the previous page (opaque). Left out: the first page.";
                }
                else if (parameter.Name == deprecatedCursor)
                {
                    parameter.Deprecated = true;
                    parameter.Description = $"Deprecated: the former name of cursor, still accepted. Use cursor.";
                }
            }

            return Task.CompletedTask;
        });
}
