using System.Security.Cryptography;

namespace Pipelet.AppHost.Hosting;

/// <summary>
/// A value given to resources. Taken from the AppHost's configuration when set there; otherwise a
/// secret generated once (32 random bytes, base64) and kept in the data folder, so that it stays
/// the same across runs and what was encrypted with it can still be read.
/// </summary>
public sealed class ParameterResource : Resource
{
    private string? _value;

    public ParameterResource(string name, string configurationKey, string? configuredValue)
        : base(name)
    {
        ConfigurationKey = configurationKey;
        IsGenerated = configuredValue is null;
        _value = configuredValue;
    }

    public string ConfigurationKey { get; }

    public bool IsGenerated { get; }

    public override bool IsShownInTable => false;

    public string Value => _value
        ?? throw new InvalidOperationException($"Parameter '{Name}' has no value yet: it is generated when the application starts.");

    internal override async Task StartAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        if (_value is not null) return;

        var directory = Path.Combine(context.DataDirectory, "secrets");
        var file = Path.Combine(directory, Name);
        if (File.Exists(file))
        {
            _value = (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
            return;
        }

        Directory.CreateDirectory(directory);
        var value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        // Readable by the owner only; written before first use so every later run gets the same value.
        await File.WriteAllTextAsync(file, "", cancellationToken);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(file, value, cancellationToken);

        _value = value;
        context.Logger.Info($"Generated {Name}; kept in {file} (set {ConfigurationKey.Replace(":", "__", StringComparison.Ordinal)} to use your own).");
    }

    internal override Task StopAsync(TimeSpan grace) => Task.CompletedTask;
}
