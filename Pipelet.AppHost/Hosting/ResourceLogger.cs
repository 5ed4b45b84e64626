namespace Pipelet.AppHost.Hosting;

/// <summary>
/// Writes every resource's output as lines prefixed with its name, one colour per resource on a
/// terminal, so the interleaved logs of several processes stay readable.
/// </summary>
internal sealed class ResourceLogger(TextWriter output, bool useColour)
{
    public const string AppHostName = "apphost";
    private const string Reset = "\u001b[0m";
    private const string Alarm = "\u001b[1;97;41m";
    private static readonly string[] Palette =
        ["\u001b[36m", "\u001b[32m", "\u001b[33m", "\u001b[35m", "\u001b[34m", "\u001b[96m", "\u001b[92m", "\u001b[93m", "\u001b[95m"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _colours = new(StringComparer.Ordinal) { [AppHostName] = "\u001b[1m" };
    private int _width = AppHostName.Length;

    public static ResourceLogger ForConsole() =>
        new(Console.Out, !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null);

    /// <summary>Gives the resource its colour and widens the name column to fit it.</summary>
    public void Register(string resourceName)
    {
        lock (_gate)
        {
            _colours.TryAdd(resourceName, Palette[(_colours.Count - 1) % Palette.Length]);
            _width = Math.Max(_width, resourceName.Length);
        }
    }

    public Action<string> For(string resourceName) => line => Write(resourceName, line);

    public void Write(string resourceName, string line)
    {
        lock (_gate)
        {
            var name = resourceName.PadRight(_width);
            if (useColour && _colours.TryGetValue(resourceName, out var colour))
            {
                output.WriteLine($"{colour}{name} |{Reset} {line}");
            }
            else
            {
                output.WriteLine($"{name} | {line}");
            }

            output.Flush();
        }
    }

    public void Info(string message) => Write(AppHostName, message);

    /// <summary>Something a person must notice: a resource died, a start failed.</summary>
    public void Alert(string message)
    {
        lock (_gate)
        {
            var name = AppHostName.PadRight(_width);
            output.WriteLine(useColour ? $"{Alarm}{name} | !!! {message}{Reset}" : $"{name} | !!! {message}");
            output.Flush();
        }
    }

    /// <summary>Writes a block (the summary table) without prefixes.</summary>
    public void Block(string text)
    {
        lock (_gate)
        {
            output.WriteLine();
            output.WriteLine(text);
            output.Flush();
        }
    }
}
