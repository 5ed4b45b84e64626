using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Applies a service's schema at start-up: the SQL files embedded under <c>Data/Migrations/</c> of the
/// service's assembly, in name order, each once, recorded in <c>schema_migrations</c>. An advisory lock
/// lets several instances start together. Runs before the server takes requests.
/// </summary>
public static class DatabaseMigrations
{
    /// <summary>Embed the scripts with <c>&lt;EmbeddedResource Include="Data/Migrations/*.sql" /&gt;</c>.</summary>
    public static IHostApplicationBuilder AddDatabaseMigrations<TMarker>(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService(sp => new Runner(
            sp.GetRequiredService<NpgsqlDataSource>(),
            typeof(TMarker).Assembly,
            sp.GetRequiredService<ILogger<Runner>>()));
        return builder;
    }

    /// <summary>The embedded migration scripts of an assembly, in the order they apply.</summary>
    public static IReadOnlyList<(string Name, string Sql)> ReadScripts(Assembly assembly) =>
        assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Data.Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                var name = n[(n.IndexOf(".Data.Migrations.", StringComparison.Ordinal) + ".Data.Migrations.".Length)..];
                return (name, reader.ReadToEnd());
            })
            .ToList();

    /// <summary>Applies whatever scripts have not been applied yet.</summary>
    public static async Task ApplyAsync(NpgsqlDataSource dataSource, Assembly assembly, ILogger logger, CancellationToken cancellationToken)
    {
        var scripts = ReadScripts(assembly);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, "SELECT pg_advisory_xact_lock(7415001)", cancellationToken);
        await Execute(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken);

        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand("SELECT name FROM schema_migrations", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetString(0));
        }

        foreach (var (name, sql) in scripts.Where(s => !applied.Contains(s.Name)))
        {
            await Execute(connection, sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (name) VALUES ($1)", connection)
            {
                Parameters = { new() { Value = name } },
            };
            await record.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Applied migration {Migration}", name);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal sealed class Runner(NpgsqlDataSource dataSource, Assembly assembly, ILogger<Runner> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            // The database may still be starting next to us: keep trying for a while before giving up.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await ApplyAsync(dataSource, assembly, logger, cancellationToken);
                    return;
                }
                catch (NpgsqlException ex) when (attempt < 30 && ex.IsTransient)
                {
                    logger.LogWarning("Database not reachable yet ({Message}); retrying", ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
