using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipelet.Testing;

namespace Pipelet.Client.Tests;

/// <summary>
/// How the client reads an answer that is not a success, from a server that answers as a proxy or our services might:
/// a problem with field errors and extensions, a problem of an unexpected shape, an HTML page, no body.
/// </summary>
public sealed class PipeletApiExceptionTests : IAsyncLifetime
{
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/api/v1/stations/{stationId}", (string stationId) => stationId switch
            {
                "callerror" => Results.Problem(statusCode: 502, title: "The station answered with a CALLERROR", detail: "NotSupported: no",
                    extensions: new Dictionary<string, object?> { ["error_code"] = "NotSupported", ["error_details"] = new { why = "test" } }),
                "invalid" => Results.ValidationProblem(new Dictionary<string, string[]> { ["connectorId"] = ["Required.", "A number."] }),
                "odd-errors" => Results.Text("""{"title":"Odd","status":400,"errors":{"a":"not a list","b":["kept"]}}""", "application/problem+json", statusCode: 400),
                "html" => Results.Text("<html><body>Bad gateway</body></html>", "text/html", statusCode: 502),
                _ => Results.StatusCode(401),
            });
        });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<PipeletApiException> FailureOfAsync(string stationId) =>
        Assert.ThrowsAsync<PipeletApiException>(() => PipeletClient.Create(_server.Address, "any-key").Stations.GetAsync(stationId));

    [Fact]
    public async Task A_problem_gives_its_status_title_detail_and_every_other_member_as_an_extension()
    {
        var problem = await FailureOfAsync("callerror");

        Assert.Equal((502, "The station answered with a CALLERROR", "NotSupported: no"), (problem.Status, problem.Title, problem.Detail));
        Assert.Equal("NotSupported", problem.Extensions["error_code"].GetString());
        Assert.Equal("test", problem.Extensions["error_details"].GetProperty("why").GetString());
        Assert.DoesNotContain("title", problem.Extensions.Keys);
        Assert.Empty(problem.Errors);
    }

    [Fact]
    public async Task A_validation_problem_gives_its_field_errors()
    {
        var problem = await FailureOfAsync("invalid");

        Assert.Equal(400, problem.Status);
        Assert.Equal(["Required.", "A number."], problem.Errors["connectorId"]);
        Assert.Contains("connectorId: Required. A number.", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Field_errors_of_another_shape_are_left_out_rather_than_losing_the_problem()
    {
        var problem = await FailureOfAsync("odd-errors");

        Assert.Equal((400, "Odd"), (problem.Status, problem.Title));
        Assert.Equal(["b"], problem.Errors.Keys);
    }

    [Theory]
    [InlineData("html", 502, "Bad Gateway")]
    [InlineData("nobody", 401, "Unauthorized")]
    public async Task An_answer_that_is_not_a_problem_still_gives_its_status(string stationId, int status, string title)
    {
        var problem = await FailureOfAsync(stationId);

        Assert.Equal((status, title), (problem.Status, problem.Title));
        Assert.Empty(problem.Errors);
        Assert.Empty(problem.Extensions);
    }
}
