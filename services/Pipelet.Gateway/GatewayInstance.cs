namespace Pipelet.Gateway;

/// <summary>
/// This gateway process among its peers: the name under which it holds station sockets in the registry,
/// and the queue other instances send its commands to.
/// </summary>
internal sealed record GatewayInstance(string Id)
{
    /// <summary>One queue per instance, living as long as its connection, as the busiest open CSMSs do (not one per station).</summary>
    public string QueueName => QueueNameOf(Id);

    public static string QueueNameOf(string instanceId) => $"pipelet-gateway-{instanceId}";

    public static GatewayInstance Create(string? configured) =>
        new(string.IsNullOrWhiteSpace(configured)
            ? $"{Sanitize(Environment.MachineName)}-{Guid.NewGuid().ToString("N")[..8]}"
            : configured);

    private static string Sanitize(string name)
    {
        var chars = name.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-').Take(40).ToArray();
        return chars.Length == 0 ? "gateway" : new string(chars);
    }
}
