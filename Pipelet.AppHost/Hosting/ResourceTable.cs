using System.Text;

namespace Pipelet.AppHost.Hosting;

/// <summary>The summary printed once everything is up: one row per resource, one line per address.</summary>
internal static class ResourceTable
{
    public sealed record Row(string Resource, string Type, string State, IReadOnlyList<ResourceUrl> Urls);

    public static string Render(IReadOnlyList<Row> rows)
    {
        string[] header = ["Resource", "Type", "State", "URL"];
        var lines = new List<string[]> { header };
        foreach (var row in rows)
        {
            var urls = row.Urls.Count == 0 ? [new ResourceUrl("")] : row.Urls;
            for (var i = 0; i < urls.Count; i++)
            {
                var url = urls[i].DisplayText is { Length: > 0 } text ? $"{text}: {urls[i].Url}" : urls[i].Url;
                lines.Add(i == 0 ? [row.Resource, row.Type, row.State, url] : ["", "", "", url]);
            }
        }

        var widths = Enumerable.Range(0, header.Length).Select(c => lines.Max(l => l[c].Length)).ToArray();
        var builder = new StringBuilder();
        var rule = "+" + string.Join("+", widths.Select(w => new string('-', w + 2))) + "+";
        builder.AppendLine(rule);
        for (var i = 0; i < lines.Count; i++)
        {
            builder.Append('|');
            for (var c = 0; c < widths.Length; c++) builder.Append(' ').Append(lines[i][c].PadRight(widths[c])).Append(" |");
            builder.AppendLine();
            if (i == 0) builder.AppendLine(rule);
        }

        builder.Append(rule);
        return builder.ToString();
    }

    public static string TypeOf(Resource resource) => resource switch
    {
        ProjectResource => "Project",
        RabbitMQServerResource => "RabbitMQ",
        PostgresServerResource => "PostgreSQL",
        PostgresDatabaseResource => "Database",
        _ => resource.GetType().Name.Replace("Resource", "", StringComparison.Ordinal),
    };
}
