using Pipelet.Webhooks;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>The snake_case names of <see cref="AttemptErrorKind"/> stored in the log and shown by the API.</summary>
public static class ErrorKinds
{
    public static string Name(AttemptErrorKind kind) => kind switch
    {
        AttemptErrorKind.None => "none",
        AttemptErrorKind.HttpStatus => "http_status",
        AttemptErrorKind.Timeout => "timeout",
        AttemptErrorKind.ConnectionRefused => "connection_refused",
        AttemptErrorKind.Dns => "dns",
        AttemptErrorKind.Tls => "tls",
        AttemptErrorKind.AddressRefused => "address_refused",
        _ => "network",
    };
}
