namespace Pipelet.LocalServers;

/// <summary>Passes lines on and keeps the last few, so a failed start can say why.</summary>
internal sealed class LogTail(Action<string>? next, int capacity = 40)
{
    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > capacity) _lines.Dequeue();
        }

        next?.Invoke(line);
    }

    public override string ToString()
    {
        lock (_lines) return string.Join(Environment.NewLine, _lines);
    }
}
