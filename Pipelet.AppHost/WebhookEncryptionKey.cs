using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace Pipelet.AppHost;

/// <summary>
/// The key the subscription service encrypts webhook secrets with (base64 of 32 bytes): <c>Webhooks__EncryptionKey</c>
/// when given; otherwise, when running, one generated on the first run and kept, readable by its owner only, in the
/// data folder (webhooks stored with it must stay readable across runs). Published, it is a secret parameter.
/// </summary>
internal static class WebhookEncryptionKey
{
    public static IResourceBuilder<ParameterResource> AddWebhookEncryptionKey(this IDistributedApplicationBuilder builder, string dataDirectory)
    {
        const string name = "webhooks-encryption-key";
        if (builder.ExecutionContext.IsPublishMode) return builder.AddParameter(name, secret: true);
        var value = builder.Configuration["Webhooks:EncryptionKey"] is { Length: > 0 } configured ? configured : KeptKey(dataDirectory);
        return builder.AddParameter(name, value, secret: true);
    }

    private static string KeptKey(string dataDirectory)
    {
        var folder = Path.Combine(dataDirectory, "secrets");
        var file = Path.Combine(folder, "webhooks-encryption-key");
        if (File.Exists(file)) return File.ReadAllText(file).Trim();
        Directory.CreateDirectory(folder);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(new FileStream(file, options)))
        {
            writer.Write(key);
        }

        return key;
    }
}
