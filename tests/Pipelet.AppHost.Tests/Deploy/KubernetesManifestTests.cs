using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Pipelet.AppHost.Tests.Deploy;

/// <summary>
/// The hand-kept manifests in <c>deploy/kubernetes</c> say what <c>deploy/aspire-manifest.json</c> says: one
/// Deployment and Service per project resource, each service with the settings the AppHost gives it (same names,
/// the same literal values, addresses of the same services and ports, secrets from a Secret), the same ports,
/// <c>/health</c> and <c>/alive</c> probes, and two or more replicas where a single instance would be an outage.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    /// <summary>Container resources of the Aspire manifest that <c>deploy/kubernetes</c> leaves to the operator (README: Deploy to Kubernetes).</summary>
    private static readonly string[] RunByTheOperator = ["postgres", "rabbitmq"];

    /// <summary>Settings only the cluster gives, each with why.</summary>
    private static readonly Dictionary<string, string[]> ClusterOnly = new()
    {
        // Aspire names each service's telemetry itself when it runs it; in the cluster the manifest does. The
        // console takes no other cluster settings, so it is given its environment itself.
        ["*"] = ["OTEL_SERVICE_NAME"],
        ["console"] = ["ASPNETCORE_ENVIRONMENT"],
        // Each gateway replica's name in the station registry: the pod's name.
        ["gateway"] = ["Gateway__InstanceId"],
        // The retired encryption key while the key is rotated (optional).
        ["subscriptions"] = ["Webhooks__PreviousEncryptionKeys__0"],
    };

    /// <summary>Services that must survive the loss of one instance.</summary>
    private static readonly string[] Replicated = ["dispatcher", "gateway"];

    private static readonly Lazy<JsonElement> Aspire = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "aspire-manifest.json"))).RootElement.GetProperty("resources"));

    private static readonly Lazy<IReadOnlyList<JsonObject>> Kubernetes = new(ReadKubernetes);

    public static TheoryData<string> Projects() => new(ProjectNames());

    [Fact]
    public void Every_resource_of_the_Aspire_manifest_is_deployed_or_named_as_run_by_the_operator()
    {
        var containers = Resources().Where(r => r.Value.GetProperty("type").GetString()!.StartsWith("container", StringComparison.Ordinal)).Select(r => r.Name);
        Assert.Equal(RunByTheOperator, containers.Order());

        var deployments = Objects("Deployment").Select(Name).Order().ToList();
        Assert.Equal(ProjectNames().Order(), deployments);
        Assert.Equal(ProjectNames().Order(), Objects("Service").Select(Name).Order());
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void A_service_gets_the_settings_the_AppHost_gives_it(string project)
    {
        var expected = ProjectResource(project).GetProperty("env").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!);
        var actual = ContainerEnvironment(project);

        var clusterOnly = ClusterOnly["*"].Concat(ClusterOnly.GetValueOrDefault(project, [])).ToHashSet();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Where(k => !clusterOnly.Contains(k)).Order());
        Assert.All(expected, setting =>
        {
            var (name, value) = setting;
            var given = actual[name];
            if (NeedsSecret(value))
            {
                Assert.True(given.SecretKey is not null, $"{project}: {name} ({value}) must come from a Secret");
            }
            else
            {
                Assert.True(given.Value == Resolve(value), $"{project}: {name} is '{given.Value}', the Aspire manifest says '{value}' = '{Resolve(value)}'");
            }
        });
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void A_service_listens_where_the_AppHost_says_and_is_probed_on_health_and_alive(string project)
    {
        var bindings = ProjectResource(project).GetProperty("bindings").EnumerateObject()
            .ToDictionary(b => b.Name, b => b.Value.GetProperty("targetPort").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var container = Container(project);
        var containerPorts = container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (string)p!["containerPort"]!);
        var servicePorts = Objects("Service").Single(s => Name(s) == project)["spec"]!["ports"]!.AsArray()
            .ToDictionary(p => (string)p!["name"]!, p => (string)p!["port"]!);

        Assert.Equal(bindings.OrderBy(b => b.Key), containerPorts.OrderBy(p => p.Key));
        Assert.Equal(bindings.OrderBy(b => b.Key), servicePorts.OrderBy(p => p.Key));
        Assert.Equal(("/health", "http"), Probe(container, "readinessProbe"));
        Assert.Equal(("/alive", "http"), Probe(container, "livenessProbe"));
        Assert.Equal(("/alive", "http"), Probe(container, "startupProbe"));
    }

    [Fact]
    public void The_gateway_and_the_dispatcher_run_at_least_two_replicas()
    {
        Assert.All(Replicated, name =>
        {
            var deployment = Objects("Deployment").Single(d => Name(d) == name);
            Assert.True(int.Parse((string)deployment["spec"]!["replicas"]!, System.Globalization.CultureInfo.InvariantCulture) >= 2, $"{name} runs one replica");
        });
    }

    [Fact]
    public void The_published_PostgreSQL_creates_every_database_the_services_use()
    {
        var postgres = Aspire.Value.GetProperty("postgres");
        var start = string.Join(' ', postgres.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        var databases = Resources()
            .Where(r => r.Value.GetProperty("type").GetString() == "value.v0")
            .Select(r => DatabaseName().Match(r.Value.GetProperty("connectionString").GetString()!).Groups["name"].Value)
            .ToList();

        Assert.Equal(["dispatcherdb", "gatewaydb", "subscriptionsdb"], databases.Order());
        Assert.All(databases, database => Assert.Contains($"CREATE DATABASE {database};", start, StringComparison.Ordinal));
    }

    private static (string Path, string Port) Probe(JsonObject container, string kind) =>
        ((string)container[kind]!["httpGet"]!["path"]!, (string)container[kind]!["httpGet"]!["port"]!);

    /// <summary>True when the Aspire manifest builds the value from a connection string or a secret parameter.</summary>
    private static bool NeedsSecret(string value) =>
        Placeholder().Matches(value).Any(m => m.Groups["property"].Value == "connectionString"
            || (m.Groups["property"].Value == "value" && IsSecretParameter(m.Groups["resource"].Value)));

    private static bool IsSecretParameter(string resource) =>
        Aspire.Value.GetProperty(resource).TryGetProperty("inputs", out var inputs)
        && inputs.GetProperty("value").TryGetProperty("secret", out var secret) && secret.GetBoolean();

    /// <summary>The value in the cluster: a binding's port, or its URL as the Service of the resource's name.</summary>
    private static string Resolve(string value) => Placeholder().Replace(value, m =>
    {
        var resource = m.Groups["resource"].Value;
        var binding = Aspire.Value.GetProperty(resource).GetProperty("bindings").GetProperty(m.Groups["binding"].Value);
        var port = binding.GetProperty("targetPort").GetInt32();
        return m.Groups["property"].Value switch
        {
            "targetPort" => port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "url" => $"{binding.GetProperty("scheme").GetString()}://{resource}:{port}",
            var other => throw new InvalidOperationException($"No rule for {m.Value} ({other})"),
        };
    });

    private sealed record Setting(string? Value, string? SecretKey);

    /// <summary>
    /// The container's own settings. Those of a ConfigMap (<c>config.yaml</c>) are the operator's choices for the
    /// cluster (environment, retry schedule), which the AppHost leaves to the services' defaults.
    /// </summary>
    private static Dictionary<string, Setting> ContainerEnvironment(string project) =>
        (Container(project)["env"]?.AsArray() ?? []).ToDictionary(
            variable => (string)variable!["name"]!,
            variable => new Setting((string?)variable!["value"], (string?)variable["valueFrom"]?["secretKeyRef"]?["key"]));

    private static JsonObject Container(string project) =>
        Objects("Deployment").Single(d => Name(d) == project)["spec"]!["template"]!["spec"]!["containers"]!.AsArray()
            .Single(c => (string)c!["name"]! == project)!.AsObject();

    private static IEnumerable<JsonProperty> Resources() => Aspire.Value.EnumerateObject();

    private static IEnumerable<string> ProjectNames() =>
        Resources().Where(r => r.Value.GetProperty("type").GetString()!.StartsWith("project", StringComparison.Ordinal)).Select(r => r.Name);

    private static JsonElement ProjectResource(string name) => Aspire.Value.GetProperty(name);

    private static IEnumerable<JsonObject> Objects(string kind) => Kubernetes.Value.Where(o => (string?)o["kind"] == kind);

    private static string Name(JsonObject o) => (string)o["metadata"]!["name"]!;

    /// <summary>What <c>kubectl kustomize deploy/kubernetes</c> renders, one JSON object per document (scalars as strings).</summary>
    private static List<JsonObject> ReadKubernetes()
    {
        var folder = Path.Combine(Repository.Root, "deploy", "kubernetes");
        var kustomization = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(folder, "kustomization.yaml")));
        var files = ((List<object>)kustomization["resources"]).Cast<string>();
        var toJson = new SerializerBuilder().JsonCompatible().Build();
        var objects = new List<JsonObject>();
        foreach (var file in files)
        {
            var parser = new Parser(new StringReader(File.ReadAllText(Path.Combine(folder, file))));
            parser.Consume<StreamStart>();
            var deserializer = new DeserializerBuilder().Build();
            while (parser.Accept<DocumentStart>(out _))
            {
                var document = deserializer.Deserialize<object>(parser);
                if (document is not null) objects.Add(JsonNode.Parse(toJson.Serialize(document))!.AsObject());
            }
        }

        return objects;
    }

    [GeneratedRegex(@"\{(?<resource>[a-z0-9-]+)\.(?:bindings\.(?<binding>[a-z0-9-]+)\.)?(?<property>connectionString|value|url|targetPort|host|port)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"Database=(?<name>[a-z0-9_]+)")]
    private static partial Regex DatabaseName();
}
