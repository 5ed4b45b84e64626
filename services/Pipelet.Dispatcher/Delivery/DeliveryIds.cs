using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// The id of the delivery of one event to one webhook, the same each time the event is fanned out, so
/// a fan-out repeated after a crash lands on the same log rows instead of creating a second delivery.
/// Shaped like a UUIDv7 carrying the event's own timestamp (event ids are UUIDv7), so ids sort by time.
/// </summary>
public static class DeliveryIds
{
    public static Guid For(Guid eventId, long webhookId)
    {
        Span<byte> input = stackalloc byte[24];
        eventId.TryWriteBytes(input, bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(input[16..], webhookId);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);

        Span<byte> id = stackalloc byte[16];
        input[..6].CopyTo(id);              // the event's 48-bit millisecond timestamp
        hash[..10].CopyTo(id[6..]);
        id[6] = (byte)(0x70 | (id[6] & 0x0F)); // version 7
        id[8] = (byte)(0x80 | (id[8] & 0x3F)); // RFC 4122 variant
        return new Guid(id, bigEndian: true);
    }
}
