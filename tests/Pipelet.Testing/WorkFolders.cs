using System.Globalization;

namespace Pipelet.Testing;

/// <summary>
/// Temporary folders named after the test process that owns them (<c>&lt;prefix&gt;&lt;pid&gt;-&lt;random&gt;</c>),
/// so a later run can remove what a crashed or killed run left behind.
/// </summary>
public static class WorkFolders
{
    /// <summary>
    /// A new folder under the temp folder, open to other users' traversal (0755), because as root the
    /// private PostgreSQL runs as the postgres user and must reach its data folder inside it.
    /// </summary>
    public static DirectoryInfo Create(string prefix)
    {
        RemoveStale(prefix);
        var name = $"{prefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}";
        return Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), name));
    }

    /// <summary>Deletes folders with this prefix whose owning process no longer runs.</summary>
    public static void RemoveStale(string prefix)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(Path.GetTempPath(), prefix + "*").ToList();
        }
        catch (IOException)
        {
            return;
        }

        foreach (var folder in candidates)
        {
            var rest = Path.GetFileName(folder)[prefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}")) continue;
            TryDelete(folder);
        }
    }

    public static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
