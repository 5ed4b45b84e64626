using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;

namespace Pipelet.AppHost.Hosting;

/// <summary>Waits for servers the AppHost did not start, and renders their addresses without secrets.</summary>
internal static class Reachability
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task WaitForAmqpAsync(Uri uri, string name, CancellationToken cancellationToken)
    {
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (uri.Scheme == "amqps" ? 5671 : 5672) : uri.Port;
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                await client.ConnectAsync(uri.Host, port, timeout.Token);
                return;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (stopwatch.Elapsed > Patience)
                {
                    throw new InvalidOperationException($"'{name}' at {WithoutCredentials(uri.ToString())} does not answer: {ex.Message}", ex);
                }

                await Task.Delay(500, cancellationToken);
            }
        }
    }

    public static async Task WaitForPostgresAsync(string connectionString, string name, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                if (stopwatch.Elapsed > Patience)
                {
                    throw new InvalidOperationException($"'{name}' at {PostgresDisplayUrl(connectionString)} does not answer: {ex.Message}", ex);
                }

                await Task.Delay(500, cancellationToken);
            }
        }
    }

    /// <summary>The URI with its user name kept and its password dropped.</summary>
    public static string WithoutCredentials(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed)) return "(invalid URI)";
        var user = parsed.UserInfo.Split(':')[0];
        var builder = new UriBuilder(parsed) { UserName = user, Password = "" };
        return builder.Uri.GetComponents(UriComponents.AbsoluteUri, UriFormat.UriEscaped);
    }

    public static string PostgresDisplayUrl(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
    }
}
