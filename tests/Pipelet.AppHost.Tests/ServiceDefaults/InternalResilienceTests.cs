using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pipelet.AppHost.Tests.ServiceDefaults;

public sealed class InternalResilienceTests
{
    [Fact]
    public async Task A_read_that_meets_transient_errors_is_retried_until_it_succeeds()
    {
        var server = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.BadGateway, HttpStatusCode.OK);

        using var response = await Client(server, resilient: true).GetAsync(new Uri("http://internal/things"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, server.Calls);
    }

    [Fact]
    public async Task A_post_that_reached_the_server_is_not_repeated()
    {
        var server = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);

        using var response = await Client(server, resilient: true).PostAsync(new Uri("http://internal/things"), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.Calls);
    }

    [Fact]
    public async Task A_post_that_never_connected_is_retried()
    {
        var server = new ScriptedHandler(HttpStatusCode.OK) { RefuseFirst = 2 };

        using var response = await Client(server, resilient: true).PostAsync(new Uri("http://internal/things"), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, server.Calls);
    }

    [Fact]
    public async Task Clients_without_the_handler_are_never_retried()
    {
        var server = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);

        using var response = await Client(server, resilient: false).GetAsync(new Uri("http://receiver/webhook"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.Calls);
    }

    private static HttpClient Client(ScriptedHandler server, bool resilient)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        var client = builder.Services.AddHttpClient("test").ConfigurePrimaryHttpMessageHandler(() => server);
        if (resilient) client.AddInternalResilience();
        return builder.Build().Services.GetRequiredService<IHttpClientFactory>().CreateClient("test");
    }

    private sealed class ScriptedHandler(params HttpStatusCode[] answers) : HttpMessageHandler
    {
        private int _calls;

        public int RefuseFirst { get; init; }

        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            if (call <= RefuseFirst)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused");
            }

            var answer = answers[Math.Min(call - RefuseFirst - 1, answers.Length - 1)];
            return Task.FromResult(new HttpResponseMessage(answer));
        }
    }
}
