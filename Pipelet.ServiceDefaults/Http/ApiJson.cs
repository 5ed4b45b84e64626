using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pipelet.ServiceDefaults.Http;

/// <summary>
/// The JSON of the public API, the same in every service: snake_case names, and a body field the
/// endpoint does not know is an error (a typo must not be silently ignored).
/// </summary>
public static class ApiJson
{
    /// <summary>Applies <see cref="Configure"/> to the minimal APIs' JSON, with the service's source-generated <paramref name="types"/> first.</summary>
    public static IHostApplicationBuilder AddApiJson(this IHostApplicationBuilder builder, IJsonTypeInfoResolver? types = null)
    {
        builder.Services.ConfigureHttpJsonOptions(json => Configure(json.SerializerOptions, types));
        return builder;
    }

    public static void Configure(JsonSerializerOptions options, IJsonTypeInfoResolver? types = null)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        if (types is not null) options.TypeInfoResolverChain.Insert(0, types);
    }
}
