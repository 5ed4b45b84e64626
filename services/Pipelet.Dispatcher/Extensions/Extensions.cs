namespace Pipelet.Dispatcher.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("dispatcherdb");
        builder.AddRabbitMqBus();
    }
}
