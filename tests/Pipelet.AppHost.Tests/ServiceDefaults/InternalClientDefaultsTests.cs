using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pipelet.AppHost.Tests.ServiceDefaults;

/// <summary>Internal clients get service discovery and the standard resilience handler; other clients (webhook sends) get neither.</summary>
public sealed class InternalClientDefaultsTests
{
    [Fact]
    public async Task An_internal_read_that_meets_transient_errors_is_retried_until_it_succeeds()
    {
        var server = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.BadGateway, HttpStatusCode.OK);

        using var response = await Client(server, internalClient: true).GetAsync(new Uri("http://internal/things"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, server.Calls);
    }

    [Fact]
    public async Task An_internal_client_finds_a_service_by_name()
    {
        var server = new ScriptedHandler(HttpStatusCode.OK);

        using var response = await Client(server, internalClient: true).GetAsync(new Uri("http://_internal.subscriptions/things"));

        Assert.Equal(new Uri("http://127.0.0.1:5999/things"), server.LastUri);
    }

    [Fact]
    public async Task Other_clients_are_never_retried_nor_resolved()
    {
        var server = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);

        using var response = await Client(server, internalClient: false).GetAsync(new Uri("http://subscriptions/webhook"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.Calls);
        Assert.Equal(new Uri("http://subscriptions/webhook"), server.LastUri);
    }

    private static HttpClient Client(ScriptedHandler server, bool internalClient)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["services:subscriptions:internal:0"] = "http://127.0.0.1:5999",
            ["services:subscriptions:http:0"] = "http://127.0.0.1:5998",
        });
        builder.AddServiceDefaults();
        var client = builder.Services.AddHttpClient("test").ConfigurePrimaryHttpMessageHandler(() => server);
        if (internalClient) client.AddInternalClientDefaults();
        return builder.Build().Services.GetRequiredService<IHttpClientFactory>().CreateClient("test");
    }

    private sealed class ScriptedHandler(params HttpStatusCode[] answers) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        public Uri? LastUri { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            LastUri = request.RequestUri;
            return Task.FromResult(new HttpResponseMessage(answers[Math.Min(call - 1, answers.Length - 1)]));
        }
    }
}
