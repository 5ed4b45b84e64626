using System.Text.Json;
using Pipelet.Contracts.Gateway;

namespace Pipelet.Gateway.Peers;

/// <summary>
/// What gateway instances send each other, on plain AMQP: each instance consumes one queue of its own
/// (<see cref="GatewayInstance.QueueName"/>, reached through the default exchange), and an AMQP message's
/// <c>type</c> says which record its JSON body holds.
/// </summary>
internal static class PeerMessages
{
    /// <summary>A <see cref="StationCommandRequest"/>, answered on its <c>reply_to</c> with a <see cref="StationCommandResult"/>.</summary>
    public const string Command = "station-command";

    /// <summary>A <see cref="StationCommandResult"/>, the answer to a <see cref="Command"/>.</summary>
    public const string CommandResult = "station-command-result";

    /// <summary>A <see cref="StationSessionReplaced"/> notice; nothing answers it.</summary>
    public const string SessionReplaced = "station-session-replaced";

    /// <summary>RabbitMQ's direct reply-to: answers go straight to the asking channel's consumer, with no reply queue.</summary>
    public const string DirectReplyTo = "amq.rabbitmq.reply-to";

    public const string ContentType = "application/json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static byte[] Serialize<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message, Json);

    public static T Deserialize<T>(ReadOnlySpan<byte> body) =>
        JsonSerializer.Deserialize<T>(body, Json) ?? throw new JsonException($"An empty {typeof(T).Name}.");
}
