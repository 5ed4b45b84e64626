namespace Pipelet.Gateway;

/// <summary>
/// This gateway process among its peers: the name under which it holds station sockets in the registry,
/// and the exchange other instances send its commands to.
/// </summary>
internal sealed record GatewayInstance(string Id)
{
    /// <summary>One temporary queue per instance, as the busiest open CSMSs do (not one per station).</summary>
    public string QueueName => QueueNameOf(Id);

    public static string QueueNameOf(string instanceId) => $"pipelet-gateway-{instanceId}";

    /// <summary>A send address that never outlives the instance: the exchange is as temporary as the queue.</summary>
    public static Uri CommandAddressOf(string instanceId) => new($"exchange:{QueueNameOf(instanceId)}?temporary=true");

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
