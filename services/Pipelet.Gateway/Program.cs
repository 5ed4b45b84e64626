using Pipelet.Gateway.Extensions;
using Pipelet.Gateway.Security;

if (args is ["hash-station-password", var password])
{
    // Produces the value for Gateway__StationAuthentication__Stations__<stationId>.
    Console.WriteLine(StationPasswordHasher.Hash(password));
    return;
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGateway();

app.Run();

public partial class Program;
