using Pipelet.Dispatcher.Apis;
using Pipelet.Dispatcher.Extensions;
using Pipelet.ServiceDefaults.ApiKeys;
using Pipelet.ServiceDefaults.Problems;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseProblemResponses();
app.UseApiKeyPipeline();
app.UseJsonBodyCheck();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapDeliveriesApi();
app.MapWebhookHealthApi();

app.Run();

public partial class Program;
