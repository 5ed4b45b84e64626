using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Pipelet.AppHost.Hosting;

/// <summary>References, environment and ordering between resources, named as in Aspire.Hosting.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>Gives the resource <c>ConnectionStrings__&lt;source&gt;</c>.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> source)
        where T : IResourceWithEnvironment
    {
        var resource = source.Resource;
        builder.Resource.AddEnvironment(env => env[$"ConnectionStrings__{resource.Name}"] = resource.ConnectionString);
        return builder;
    }

    /// <summary>Gives the resource <c>services__&lt;source&gt;__&lt;endpoint&gt;__0</c> for every endpoint of the source.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithEndpoints> source)
        where T : IResourceWithEnvironment
    {
        var resource = source.Resource;
        builder.Resource.AddEnvironment(env =>
        {
            foreach (var endpoint in resource.Endpoints) env[ServiceKey(resource, endpoint.Name)] = endpoint.Url;
        });
        return builder;
    }

    /// <summary>Gives the resource <c>services__&lt;resource&gt;__&lt;endpoint&gt;__0</c> for one endpoint.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, EndpointReference endpoint)
        where T : IResourceWithEnvironment
    {
        builder.Resource.AddEnvironment(env => env[ServiceKey(endpoint.Resource, endpoint.EndpointName)] = endpoint.Url);
        return builder;
    }

    /// <summary>Sets a variable; a null value sets nothing (so an unset AppHost setting stays unset).</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string? value)
        where T : IResourceWithEnvironment
    {
        if (value is not null) builder.Resource.AddEnvironment(env => env[name] = value);
        return builder;
    }

    /// <summary>Sets a variable to a parameter's value, known when the application starts.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IResourceBuilder<ParameterResource> parameter)
        where T : IResourceWithEnvironment
    {
        var resource = parameter.Resource;
        builder.Resource.AddEnvironment(env => env[name] = resource.Value);
        if (builder.Resource is IResourceWithWaitSupport waiting) waiting.AddWaitFor(resource);
        return builder;
    }

    /// <summary>
    /// Passes the AppHost's settings under <paramref name="section"/> (from its environment or
    /// command line, e.g. <c>--Delivery:RetrySchedule=1s,2s</c>) on as <c>Section__Key</c> variables.
    /// </summary>
    public static IResourceBuilder<T> WithConfigurationSection<T>(this IResourceBuilder<T> builder, string section)
        where T : IResourceWithEnvironment
    {
        var configuration = builder.ApplicationBuilder.Configuration.GetSection(section);
        builder.Resource.AddEnvironment(env =>
        {
            foreach (var (key, value) in configuration.AsEnumerable())
            {
                if (value is not null) env[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        });
        return builder;
    }

    /// <summary>Starts the resource only once <paramref name="dependency"/> is ready (healthy for projects).</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : IResourceWithWaitSupport
    {
        builder.Resource.AddWaitFor(dependency.Resource);
        return builder;
    }

    /// <summary>An address shown for the resource in the summary table.</summary>
    public static IResourceBuilder<T> WithUrl<T>(this IResourceBuilder<T> builder, string url, string? displayText = null)
        where T : Resource
    {
        builder.Resource.AddUrl(new ResourceUrl(url, displayText));
        return builder;
    }

    /// <summary>Aspire's key for a referenced endpoint, e.g. <c>services__subscriptions__internal__0</c>.</summary>
    public static string ServiceKey(IResource resource, string endpointName) =>
        string.Create(CultureInfo.InvariantCulture, $"services__{resource.Name}__{endpointName}__0");
}
