using Pipelet.Dispatcher.Apis;
using Pipelet.Dispatcher.Extensions;
using Pipelet.ServiceDefaults.ApiKeys;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiKeyPipeline();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapDeliveriesApi();

app.Run();

public partial class Program;
