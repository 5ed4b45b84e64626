namespace Pipelet.AppHost.Hosting;

/// <summary>
/// An HTTP endpoint of a resource. A fixed <see cref="Port"/> is used as given; otherwise a free port
/// is allocated when the application starts, before any resource runs, so references between
/// resources can point either way.
/// </summary>
public sealed class EndpointAnnotation(string name, int? port, string? portEnvironmentVariable)
{
    public string Name { get; } = name;

    /// <summary>The port asked for, or null for any free port.</summary>
    public int? Port { get; } = port;

    /// <summary>Environment variable that tells the resource its port (Aspire's <c>env</c> parameter).</summary>
    public string? PortEnvironmentVariable { get; } = portEnvironmentVariable;

    public int? AllocatedPort { get; internal set; }

    public string Url => AllocatedPort is { } allocated
        ? $"http://localhost:{allocated}"
        : throw new InvalidOperationException($"Endpoint '{Name}' has no port yet: ports are allocated when the application starts.");
}
